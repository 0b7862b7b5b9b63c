import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig as loadCliConfig } from '../cli/config.js';
import { otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { settingsMadeCurrent } from './current-settings.js';
import { existingRegister, observationOf, prepareLinkageSetRegister } from './linkage-set-register.js';
import { loadConfig as loadLinkerConfig } from '../linker/config.js';
import { startLinker } from '../linker/linker-service.js';
import { connectProducer } from '../shared/kafka/client.js';
import { topicMessageCount, totalLag } from '../shared/kafka/lag.js';
import { createLogger } from '../shared/observability/logger.js';
import { createMetrics } from '../shared/observability/metrics.js';
import { benchTopics } from './bench-topics.js';
import { machineLine } from './machine.js';
import { ConfigError } from '../shared/errors.js';

const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 1_000_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);

/** `npm run bench:linker-streaming`: load 1M citizens, then time the linker service through Kafka and PostgreSQL. */
async function main(): Promise<void> {
  console.log(machineLine());
  const cli = loadCliConfig(process.env);
  const namespace = `bench-${Date.now()}`;
  const logger = createLogger({ level: 'warn', name: 'bench' });

  // BENCH_REGISTER_DATABASE and BENCH_RECORDS_FILE name a register loaded beforehand and its records (e.g. 10 M citizens).
  const { databaseUrl, records, citizens } = process.env.BENCH_REGISTER_DATABASE
    ? await existingRegister(otherDatabaseUrl(cli.DATABASE_URL, process.env.BENCH_REGISTER_DATABASE), process.env.BENCH_RECORDS_FILE ?? '', EVENTS)
    : await prepareLinkageSetRegister(cli.DATABASE_URL, CITIZENS, EVENTS);
  // A register reused (BENCH_REUSE=1, BENCH_REGISTER_DATABASE) may hold another version than the file's.
  console.log(await settingsMadeCurrent(databaseUrl, cli.DANCU_LINKAGE_SETTINGS, 'bench:linker-streaming'));

  const { topics, kafka, admin, registry } = await benchTopics(cli, namespace, 'bench', logger);
  const schemaId = await registry.registerValueSchema(topics.observations, 'personObservation');
  const producer = await connectProducer(kafka);
  const messages: { key: string; value: Buffer }[] = [];
  for (const [index, record] of records.entries()) {
    const observation = observationOf(record, index);
    if (observation) messages.push({ key: record.record_id, value: await registry.encode(schemaId, observation) });
  }

  const groupId = `${namespace}.linker`;
  const linker = await startLinker(
    loadLinkerConfig({
      // Issue 13's linker target is PostgreSQL's candidate source: measured through it unless another is named.
      DANCU_LINKER_CANDIDATES: 'postgres',
      ...process.env,
      DATABASE_URL: databaseUrl,
      DANCU_TOPIC_NAMESPACE: namespace,
      DANCU_LINKER_GROUP_ID: groupId,
    }),
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
  // A dead-lettered observation is consumed too: the figure above would count a linker that links nothing.
  const deadLetters = await topicMessageCount(admin, topics.deadLetters);
  if (deadLetters > 0) console.log(`dead-lettered ${deadLetters.toLocaleString('en')} of them, counted in the figure above (the linker's log says why)`);
  await linker.stop();
  await producer.disconnect();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
}

await main().catch((error: unknown) => {
  // A wrong setup (no such register, no records file) is one line; anything else is a bug, with its stack.
  if (!(error instanceof ConfigError)) throw error;
  console.error(`bench:linker-streaming: ${error.message}`);
  process.exitCode = 1;
});
