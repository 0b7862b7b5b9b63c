import { mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig as loadCliConfig } from '../cli/config.js';
import { registerSize } from './register-size.js';
import { createDatabase, dropDatabase, otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { loadConfig as loadLinkerConfig } from '../linker/config.js';
import { startLinker } from '../linker/linker-service.js';
import { connectProducer, createKafka, ensureTopics } from '../shared/kafka/client.js';
import { totalLag } from '../shared/kafka/lag.js';
import { topicsFor } from '../shared/schemas/topics.js';
import { loadSettings } from '../shared/linkage/settings.js';
import { parsePartialDate } from '../shared/normalise/date.js';
import { normaliseName } from '../shared/normalise/name.js';
import { parsePersonalId } from '../shared/normalise/personal-id.js';
import { parseSex } from '../shared/normalise/sex.js';
import { createLogger } from '../shared/observability/logger.js';
import { createMetrics } from '../shared/observability/metrics.js';
import { REPO_ROOT } from '../shared/paths.js';
import { SchemaRegistryClient } from '../shared/kafka/registry.js';
import type { PersonObservation } from '../shared/schemas/records.js';
import { createPool } from '../shared/store/db.js';
import { migrate } from '../shared/store/migrate.js';
import { loadPopulation } from '../shared/store/population-load.js';
import { generateLinkageSet, type SyntheticRecord } from '../shared/synth/linkage-set.js';
import { writeLinkageSet } from '../shared/synth/linkage-set-files.js';

const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 1_000_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);

/** A synthetic record as ingest would have normalised it (the linker's input). */
function observationOf(record: SyntheticRecord, index: number): PersonObservation | null {
  const name = normaliseName(record.full_name);
  if (!name) return null;
  const id = parsePersonalId(record.personal_id);
  const dob = record.date_of_birth ? parsePartialDate(record.date_of_birth) : null;
  return {
    observation_id: `bench-${index}`,
    source: 'vaccination',
    source_system: 'bench',
    source_record_id: record.record_id,
    source_topic: 'bench',
    source_partition: 0,
    source_offset: String(index),
    change_type: 'CREATE',
    event_type: 'VACCINATION',
    event_time: Date.now(),
    source_timestamp: Date.now(),
    ingested_at: Date.now(),
    person: {
      ...name,
      personal_id: id.kind === 'personal' ? id.value : null,
      legacy_id: null,
      date_of_birth: dob?.ok ? dob.date : null,
      sex: parseSex(record.sex) ?? null,
      address: record.address || null,
    },
    date_of_death: null,
    event_date: null,
    attributes: {},
    findings: [],
    attempt: 0,
  };
}

/** `npm run bench:linker-streaming`: load 1M citizens, then time the linker service through Kafka and PostgreSQL. */
async function main(): Promise<void> {
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  const cli = loadCliConfig(process.env);
  const databaseUrl = otherDatabaseUrl(cli.DATABASE_URL, 'dancu_bench');
  const namespace = `bench-${Date.now()}`;
  const logger = createLogger({ level: 'warn', name: 'bench' });

  const generated = performance.now();
  const dir = join(REPO_ROOT, '.dancu', 'bench');
  mkdirSync(dir, { recursive: true });
  // Only the records are kept: a million generated citizens left in memory would slow the linker's garbage collection, which a real linker process does not pay.
  const {
    files,
    records,
    registerSize: citizens,
  } = ((set) => ({ files: writeLinkageSet(set, dir), records: set.records, registerSize: set.population.length }))(
    generateLinkageSet({ population: CITIZENS, records: EVENTS, absentShare: 0.1, seed: 77 }),
  );
  console.log(
    `generated ${citizens.toLocaleString('en')} citizens and ${EVENTS.toLocaleString('en')} records in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
  );

  // BENCH_REUSE=1 keeps a register loaded by an earlier run (same seed and size), to time the linker alone.
  const reuse = process.env.BENCH_REUSE === '1' && (await registerSize(databaseUrl)) === citizens;
  if (!reuse) {
    await dropDatabase(databaseUrl);
    await createDatabase(databaseUrl);
    await migrate(databaseUrl);
    const pool = createPool(databaseUrl, 2);
    const loadStarted = performance.now();
    await loadPopulation(pool, files.population, loadSettings());
    console.log(`load-population: ${citizens.toLocaleString('en')} citizens with blocking keys in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
    await pool.end();
  }

  const topics = topicsFor(namespace);
  const kafka = createKafka(cli.DANCU_KAFKA_BROKERS, 'bench', logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, Object.values(topics));
  const registry = new SchemaRegistryClient(cli.DANCU_SCHEMA_REGISTRY_URL);
  const schemaId = await registry.registerValueSchema(topics.observations, 'personObservation');
  const producer = await connectProducer(kafka);
  const messages: { key: string; value: Buffer }[] = [];
  for (const [index, record] of records.entries()) {
    const observation = observationOf(record, index);
    if (observation) messages.push({ key: record.record_id, value: await registry.encode(schemaId, observation) });
  }

  const groupId = `${namespace}.linker`;
  const linker = await startLinker(
    loadLinkerConfig({ ...process.env, DATABASE_URL: databaseUrl, DANCU_TOPIC_NAMESPACE: namespace, DANCU_LINKER_GROUP_ID: groupId }),
    logger,
    createMetrics(),
  );
  // Throughput, not start-up: wait until the linker's consumer group has its partitions.
  while ((await admin.describeGroups([groupId])).groups[0]?.state !== 'Stable') await sleep(100);
  const started = performance.now();
  for (let i = 0; i < messages.length; i += 1000) await producer.send({ topic: topics.observations, messages: messages.slice(i, i + 1000), acks: -1 });
  const published = performance.now();
  while ((await totalLag(admin, groupId, topics.observations)) > 0) await sleep(100);
  const drained = performance.now();
  const seconds = (drained - started) / 1000;
  console.log(
    `linker: ${messages.length.toLocaleString('en')} observations against ${citizens.toLocaleString('en')} citizens in ${seconds.toFixed(1)} s ` +
      `= ${Math.round(messages.length / seconds).toLocaleString('en')} events/s end to end (publishing took ${((published - started) / 1000).toFixed(1)} s of it)`,
  );
  await linker.stop();
  await producer.disconnect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
}

await main();
