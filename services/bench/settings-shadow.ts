import { loadConfig as loadCliConfig } from '../cli/config.js';
import { connectProducer, createKafka, ensureTopics, kafkaConnection } from '../shared/kafka/client.js';
import { SchemaRegistryClient } from '../shared/kafka/registry.js';
import { loadSettings } from '../shared/linkage/settings.js';
import { readObservations, shadowRun } from '../shared/linkage-io/shadow-run.js';
import { createLogger } from '../shared/observability/logger.js';
import { topicsFor } from '../shared/schemas/topics.js';
import { createPool } from '../shared/store/db.js';
import { observationOf, prepareLinkageSetRegister } from './linkage-set-register.js';
import { machineLine } from './machine.js';

const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 1_000_000);
const OBSERVATIONS = Number(process.env.BENCH_EVENTS ?? 100_000);

/**
 * `npm run bench:shadow`: a shadow run of a settings change (the link threshold raised from
 * 0.9 to 0.99) over 100,000 stored observations against 1 M citizens, timed as an operator would
 * run `dancu settings shadow`: reading the observations topic, then deciding each record twice.
 */
async function main(): Promise<void> {
  console.log(machineLine());
  const cli = loadCliConfig(process.env);
  const { databaseUrl, records, citizens } = await prepareLinkageSetRegister(cli.DATABASE_URL, CITIZENS, OBSERVATIONS);

  const namespace = `bench-shadow-${Date.now()}`;
  const topics = topicsFor(namespace);
  const kafka = createKafka(kafkaConnection(cli), 'bench', createLogger({ level: 'warn', name: 'bench' }));
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, [topics.observations]);
  const registry = new SchemaRegistryClient(cli.DANCU_SCHEMA_REGISTRY_URL);
  const schemaId = await registry.registerValueSchema(topics.observations, 'personObservation');
  const producer = await connectProducer(kafka);
  let batch: { key: string; value: Buffer }[] = [];
  for (const [index, record] of records.entries()) {
    const observation = observationOf(record, index);
    if (observation) batch.push({ key: record.record_id, value: await registry.encode(schemaId, observation) });
    if (batch.length === 1000 || index === records.length - 1) {
      await producer.send({ topic: topics.observations, messages: batch, acks: -1 });
      batch = [];
    }
  }
  await producer.disconnect();

  const current = loadSettings();
  const candidate = { ...current, thresholds: { ...current.thresholds, link_probability: 0.99 } };
  const pool = createPool(databaseUrl, 3);
  const started = performance.now();
  const { observations, available } = await readObservations(kafka, admin, registry, topics.observations, {});
  const read = performance.now();
  const report = await shadowRun(pool, observations, current, candidate, { examples: 0, available });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `shadow run: ${report.compared.toLocaleString('en')} observations against ${citizens.toLocaleString('en')} citizens in ${seconds.toFixed(1)} s ` +
      `(reading the topic ${((read - started) / 1000).toFixed(1)} s, deciding twice ${report.seconds.toFixed(1)} s) = ` +
      `${Math.round(report.compared / seconds).toLocaleString('en')} observations/s; ${report.changed.toLocaleString('en')} would change: ` +
      report.changes.map((change) => `${change.transition} ${change.count}`).join(', '),
  );
  await pool.end();
  await admin.deleteTopics({ topics: [topics.observations] }).catch(() => undefined);
  await admin.disconnect();
}

await main();
