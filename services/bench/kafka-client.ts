import { loadConfig as loadCliConfig } from '../cli/config.js';
import { createKafka, ensureTopics, kafkaConnection } from '../shared/kafka/client.js';
import { createLogger } from '../shared/observability/logger.js';
import { kafkajsDriver, platformaticDriver, type ClientDriver } from './kafka-client-drivers.js';
import { benchMessages } from './kafka-client-payloads.js';
import { machineLine } from './machine.js';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** The publisher's and the ingest and linker stages' chunk (500). */
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 1);
/** Messages each client sends and reads once before the measured runs, so that no client pays for compiling code the others share. */
const WARM_UP = Number(process.env.BENCH_WARM_UP ?? 20_000);

interface Measure {
  seconds: number;
  cpuMicros: number;
}

interface Row {
  client: string;
  produce: Measure;
  consume: Measure;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

async function timed(work: () => Promise<void>): Promise<Measure> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await work();
  return { seconds: (performance.now() - started) / 1000, cpuMicros: cpuMicros(cpu) };
}

const range = (values: number[], digits = 0) => {
  const low = Math.min(...values).toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const high = Math.max(...values).toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  return low === high ? low : `${low} – ${high}`;
};

/**
 * `npm run bench:kafka-client`: kafkajs (as the wrapper runs it) against @platformatic/kafka on the
 * local stack's plaintext broker. Per client and run: a fresh 3-partition topic, `BENCH_MESSAGES`
 * Avro-framed values of 300–800 bytes produced in batches of `BENCH_BATCH` with acks -1 (timed from
 * the first send to the last acknowledgement), then read back by a fresh consumer group, decoding
 * each value and committing offsets as the stage runner does (timed from the group joined, before
 * the first fetch, to the last message decoded). CPU is the benchmark process's own (process.cpuUsage) over the same spans. The
 * clients take turns in a different order each run; topics and groups are deleted after.
 */
async function main(): Promise<void> {
  console.log(machineLine());
  const connection = kafkaConnection(loadCliConfig(process.env));
  if (connection.security !== 'plaintext') throw new Error('bench:kafka-client measures the clients on a plaintext listener (DANCU_KAFKA_SECURITY=plaintext)');
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const kafka = createKafka(connection, 'bench-kafka-client', logger);
  const admin = kafka.admin();
  await admin.connect();
  const messages = benchMessages(MESSAGES);
  const bytes = messages.reduce((sum, { key, value }) => sum + key.length + value.length, 0);
  console.log(
    `${MESSAGES.toLocaleString('en')} messages, ${(bytes / MESSAGES).toFixed(0)} bytes each on average (key and value), batches of ${BATCH}, ${IN_FLIGHT} in flight`,
  );
  const makers: (() => ClientDriver)[] = [
    () => kafkajsDriver(kafka),
    () => platformaticDriver(connection.brokers, { idempotent: false }),
    () => platformaticDriver(connection.brokers, { idempotent: true }),
  ];
  const rows: Row[] = [];
  try {
    for (let run = WARM_UP > 0 ? -1 : 0; run < RUNS; run += 1) {
      const sent = run < 0 ? messages.slice(0, WARM_UP) : messages;
      for (let turn = 0; turn < makers.length; turn += 1) {
        const driver = makers[(Math.max(run, 0) + turn) % makers.length]!();
        const topic = `bench-kclient-${Date.now()}-${run + 1}-${turn}`;
        const groupId = `${topic}.group`;
        await ensureTopics(admin, [topic]);
        try {
          const produce = await timed(() => driver.produce({ topic, messages: sent, batchSize: BATCH, inFlight: IN_FLIGHT }));
          const written = (await admin.fetchTopicOffsets(topic)).reduce((sum, { offset }) => sum + Number(offset), 0);
          if (written !== sent.length) throw new Error(`${driver.name} wrote ${written} messages of ${sent.length}`);
          let cpu = process.cpuUsage();
          let started = performance.now();
          const onJoined = () => {
            cpu = process.cpuUsage();
            started = performance.now();
          };
          await driver.consume({ topic, groupId, expected: sent.length, chunkSize: BATCH, onJoined });
          const consume = { seconds: (performance.now() - started) / 1000, cpuMicros: cpuMicros(cpu) };
          if (run < 0) continue;
          rows.push({ client: driver.name, produce, consume });
          console.log(
            `run ${run + 1} ${driver.name.padEnd(36)} produce ${Math.round(MESSAGES / produce.seconds)
              .toLocaleString('en')
              .padStart(
                7,
              )}/s ${(bytes / produce.seconds / 1e6).toFixed(1).padStart(5)} MB/s ${(produce.cpuMicros / MESSAGES).toFixed(1).padStart(5)} µs CPU/msg` +
              ` | consume ${Math.round(MESSAGES / consume.seconds)
                .toLocaleString('en')
                .padStart(
                  7,
                )}/s ${(bytes / consume.seconds / 1e6).toFixed(1).padStart(5)} MB/s ${(consume.cpuMicros / MESSAGES).toFixed(1).padStart(5)} µs CPU/msg`,
          );
        } finally {
          await driver.close();
          await admin.deleteGroups([groupId]).catch(() => undefined);
          await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
  console.log('\n| client | produce msg/s | produce MB/s | produce µs CPU/msg | consume msg/s | consume MB/s | consume µs CPU/msg |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const client of [...new Set(rows.map((row) => row.client))]) {
    const mine = rows.filter((row) => row.client === client);
    const rate = (measure: (row: Row) => Measure) => range(mine.map((row) => MESSAGES / measure(row).seconds));
    const megabytes = (measure: (row: Row) => Measure) =>
      range(
        mine.map((row) => bytes / measure(row).seconds / 1e6),
        1,
      );
    const cpu = (measure: (row: Row) => Measure) =>
      range(
        mine.map((row) => measure(row).cpuMicros / MESSAGES),
        1,
      );
    const produce = (row: Row) => row.produce;
    const consume = (row: Row) => row.consume;
    console.log(`| ${client} | ${rate(produce)} | ${megabytes(produce)} | ${cpu(produce)} | ${rate(consume)} | ${megabytes(consume)} | ${cpu(consume)} |`);
  }
}

await main();
