import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import { loadConfig as loadCliConfig } from '../cli/config.js';
import { loadConfig as loadIngestConfig } from '../ingest/config.js';
import { startIngest } from '../ingest/ingest-service.js';
import { connectProducer, createKafka, ensureTopics, kafkaConnection } from '../shared/kafka/client.js';
import { totalLag } from '../shared/kafka/lag.js';
import { SOURCE_NAMES, SOURCE_TOPICS, topicsFor, valueSubject } from '../shared/schemas/topics.js';
import { createLogger } from '../shared/observability/logger.js';
import { createMetrics } from '../shared/observability/metrics.js';
import { loadRecordSchema } from '../shared/schemas/avro-files.js';
import type { VaccinationEvent } from '../shared/schemas/records.js';
import { SchemaRegistryClient } from '../shared/kafka/registry.js';
import { SOURCE_ADAPTERS } from '../shared/sources/source-adapters.js';
import { generatePopulation } from '../shared/synth/population.js';
import { generateSectorDay } from '../shared/synth/sector-day.js';
import { machineLine } from './machine.js';

const PER_SOURCE = Number(process.env.BENCH_EVENTS ?? 20_000);
const DAY_MS = 86_400_000;

/** A vaccination as its source's Debezium connector would publish the row (plain JSON, DATE as epoch days). */
function asDebeziumJson(event: VaccinationEvent): Buffer {
  const days = (iso: string | null) => (iso && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS) : null);
  const row = {
    ma_mui_tiem: event.source_record_id,
    ma_dinh_danh: event.person.personal_id,
    ho_ten: event.person.full_name,
    ngay_sinh: days(event.person.date_of_birth),
    gioi_tinh: event.person.sex,
    dia_chi: event.person.address,
    ma_vac_xin: event.vaccination.vaccine_code,
    ten_vac_xin: null,
    mui_so: event.vaccination.dose_number,
    ngay_tiem: days(event.vaccination.date_administered),
    co_so_tiem: event.vaccination.facility,
    so_lo: event.vaccination.lot_number,
  };
  const source = {
    version: '2.7.3.Final',
    connector: 'postgresql',
    name: event.source_system,
    ts_ms: event.event_time,
    db: 'tiemchung',
    schema: 'public',
    table: 'tiem_chung',
  };
  return Buffer.from(JSON.stringify({ before: null, after: row, source, op: 'c', ts_ms: event.event_time }));
}

/**
 * `npm run bench:ingest`: ingest throughput per source. The events wait on their topic first;
 * the ingest service then reads them (decode, rules, normalisation, encode, produce) and the time
 * from its group being ready to its lag reaching zero is measured.
 */
async function main(): Promise<void> {
  console.log(machineLine());
  const cli = loadCliConfig(process.env);
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const population = generatePopulation(Math.max(20_000, PER_SOURCE), 91);
  const plan = {
    births: PER_SOURCE / 2,
    deaths: PER_SOURCE / 4,
    marriages: PER_SOURCE / 8,
    nameChanges: 0,
    vaccinations: PER_SOURCE,
    benefits: PER_SOURCE,
    licences: PER_SOURCE,
    invalidPerSource: 0,
  };
  const { events } = generateSectorDay(population, plan, 92);
  const kafka = createKafka(kafkaConnection(cli), 'bench-ingest', logger);
  const admin = kafka.admin();
  await admin.connect();
  const registry = new SchemaRegistryClient(cli.DANCU_SCHEMA_REGISTRY_URL);
  const created: string[] = [];

  const runs = [
    ...SOURCE_NAMES.map((source) => ({ label: source, source, cdc: false })),
    { label: 'vaccination (Debezium JSON)', source: 'vaccination' as const, cdc: true },
  ];
  for (const { label, source, cdc } of runs) {
    const namespace = `bench-ingest-${Date.now()}`;
    const topics = topicsFor(namespace);
    await ensureTopics(admin, Object.values(topics));
    created.push(...Object.values(topics));
    // A producer per run: kafkajs keeps asking for the metadata of every topic a producer has used.
    const producer = await connectProducer(kafka);
    const topic = topics[cdc ? SOURCE_TOPICS[source].cdc : SOURCE_TOPICS[source].events];
    const schemaId = await registry.register(valueSubject(topic), loadRecordSchema(SOURCE_ADAPTERS[source].record).text);
    const messages: Message[] = [];
    for (const event of events[source]) messages.push({ value: cdc ? asDebeziumJson(event as VaccinationEvent) : await registry.encode(schemaId, event) });
    for (let i = 0; i < messages.length; i += 1000) await producer.send({ topic, messages: messages.slice(i, i + 1000), acks: -1 });
    await producer.disconnect();

    const groupId = `${namespace}.ingest`;
    const ingest = await startIngest(
      loadIngestConfig({ ...process.env, DANCU_TOPIC_NAMESPACE: namespace, DANCU_INGEST_GROUP_ID: groupId }),
      logger,
      createMetrics(),
    );
    while ((await admin.describeGroups([groupId])).groups[0]?.state !== 'Stable') await sleep(50);
    const started = performance.now();
    while ((await totalLag(admin, groupId, topic)) > 0) await sleep(50);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `ingest ${label.padEnd(28)} ${messages.length.toLocaleString('en').padStart(7)} events in ${seconds.toFixed(1).padStart(5)} s = ${Math.round(
        messages.length / seconds,
      )
        .toLocaleString('en')
        .padStart(6)} events/s`,
    );
    await ingest.stop();
  }
  await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
}

await main();
