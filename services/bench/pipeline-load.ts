import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import { loadConfig as loadCliConfig } from '../cli/config.js';
import { settingsMadeCurrent } from './current-settings.js';
import { existingBenchRegister, prepareBenchRegister } from './bench-register.js';
import { otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { reexaminationSummary } from './reexamination-summary.js';
import { cpuByRole, cpuSnapshot, databaseActivity, enableStatementCounts, formatBudget, tableWrites, topicBytes } from './cost-budget.js';
import { cpuProfileDir, ServiceProcesses } from './service-processes.js';
import { RUN_WINDOW_FILE, type RunWindow } from './cpu-profile-summary.js';
import { pipelineGroupTopics } from '../monitor/pipeline-status.js';
import { connectProducer } from '../shared/kafka/client.js';
import { messageLag, topicMessageCount } from '../shared/kafka/lag.js';
import { SOURCE_NAMES, SOURCE_TOPICS, valueSubject, type SourceName, type Topics } from '../shared/schemas/topics.js';
import { createLogger } from '../shared/observability/logger.js';
import { REPO_ROOT } from '../shared/paths.js';
import { loadRecordSchema } from '../shared/schemas/avro-files.js';
import type { SchemaRegistryClient } from '../shared/kafka/registry.js';
import { SOURCE_ADAPTERS } from '../shared/sources/source-adapters.js';
import { createPool, type Pool } from '../shared/store/db.js';
import { generateSectorDay } from '../shared/synth/sector-day.js';
import { percentile } from './percentile.js';
import { benchTopics } from './bench-topics.js';
import { machineLine } from './machine.js';
import { CANDIDATES_OUTGROWN, candidatesAtStart, formatCandidates } from '../linker/candidates-at-start.js';
import { loadConfig as loadLinkerConfig } from '../linker/config.js';

const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 1_000_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
/** Events per second to publish at; 0 publishes as fast as Kafka takes them (the pipeline's capacity). */
const RATE = Number(process.env.BENCH_RATE ?? 0);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);
/** Name changes (civil status) in the day: each is a change of the register whose reach is re-examined. */
const NAME_CHANGES = Number(process.env.BENCH_NAME_CHANGES ?? 0);
const LABEL = process.env.BENCH_LABEL ?? `${INSTANCES}x-${RATE === 0 ? 'max' : `${RATE}`}`;

interface LagPoint {
  seconds: number;
  byGroup: Record<string, number>;
}

/** Lag per stage over time as a small SVG line chart (no chart library needed for three lines). */
function lagChart(points: LagPoint[], title: string): string {
  const width = 720,
    height = 260,
    left = 56,
    bottom = 36,
    top = 28;
  const stages = Object.keys(points[0]?.byGroup ?? {});
  const maxT = Math.max(1, ...points.map((p) => p.seconds));
  const maxLag = Math.max(1, ...points.flatMap((p) => Object.values(p.byGroup)));
  const x = (t: number) => left + (t / maxT) * (width - left - 16);
  const y = (v: number) => height - bottom - (v / maxLag) * (height - bottom - top);
  const colours = ['#0969da', '#8250df', '#bf3989'];
  const lines = stages.map((stage, i) => {
    const d = points.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.seconds).toFixed(1)},${y(p.byGroup[stage] ?? 0).toFixed(1)}`).join(' ');
    return `<path d="${d}" fill="none" stroke="${colours[i % 3]}" stroke-width="2"/><text x="${left + 10 + i * 110}" y="${height - 6}" font-size="12" fill="${colours[i % 3]}">${stage}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${left}" y="18" font-size="13" fill="#1d2530">${title}</text>
<line x1="${left}" y1="${y(0)}" x2="${width - 16}" y2="${y(0)}" stroke="#d8dee4"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${y(0)}" stroke="#d8dee4"/>
<text x="${left - 6}" y="${y(maxLag) + 4}" font-size="11" text-anchor="end" fill="#6b7685">${maxLag.toLocaleString('en')}</text>
<text x="${left - 6}" y="${y(0) + 4}" font-size="11" text-anchor="end" fill="#6b7685">0</text>
<text x="${width - 16}" y="${y(0) + 16}" font-size="11" text-anchor="end" fill="#6b7685">${maxT.toFixed(0)} s</text>
<text x="${left}" y="${y(0) + 16}" font-size="11" fill="#6b7685">0 s</text>
${lines.join('\n')}
</svg>
`;
}

/**
 * How many observations have an outcome yet: one row back, so that waiting for the pipeline costs
 * the benchmark little (it shares the two cores with what it measures; reading every latency each
 * half second did not, and grew with the run).
 */
async function appliedCount(pool: Pool, since: Date): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('select count(distinct observation_id) as n from observation_outcomes where applied_at >= $1', [since]);
  return Number(rows[0]?.n ?? 0);
}

async function latenciesSince(pool: Pool, since: Date): Promise<number[]> {
  // A record kept unlinked and linked later has two outcomes: its first one is when it was applied.
  const { rows } = await pool.query<{ latency_ms: number | null }>(
    'select distinct on (observation_id) latency_ms from observation_outcomes where applied_at >= $1 order by observation_id, applied_at',
    [since],
  );
  return rows.flatMap((r) => (r.latency_ms === null ? [] : [r.latency_ms])).sort((a, b) => a - b);
}

/** The day's events, Avro-encoded, in the order they are sent. */
type EncodedDay = { topic: string; message: Message }[];

/**
 * The register (loaded, or reused) and the day's events encoded for `topics`. Only the register's
 * URL and size and the encoded events come back: the synthetic population and the day's events
 * stay here, so the benchmark's heap is small while it measures: its garbage collector shares the
 * two cores with the pipeline it measures.
 */
async function prepareRun(
  cli: ReturnType<typeof loadCliConfig>,
  registry: SchemaRegistryClient,
  topics: Topics,
): Promise<{ databaseUrl: string; citizens: number; messages: EncodedDay }> {
  // BENCH_REGISTER_DATABASE and BENCH_POPULATION_FILE name a register loaded beforehand (e.g. 10 M national citizens) and the file it came from.
  const { databaseUrl, population, citizens } = process.env.BENCH_REGISTER_DATABASE
    ? await existingBenchRegister(
        otherDatabaseUrl(cli.DATABASE_URL, process.env.BENCH_REGISTER_DATABASE),
        process.env.BENCH_POPULATION_FILE ?? '',
        Number(process.env.BENCH_SAMPLE_CITIZENS ?? 200_000),
      )
    : { ...(await prepareBenchRegister(cli.DATABASE_URL, process.env.BENCH_DATABASE ?? 'dancu_bench_pipeline', CITIZENS)), citizens: CITIZENS };
  // A register reused (BENCH_REUSE=1, BENCH_REGISTER_DATABASE) may hold another version than the file's.
  console.log(await settingsMadeCurrent(databaseUrl, cli.DANCU_LINKAGE_SETTINGS, 'bench:pipeline'));

  const share: Record<SourceName, number> = { 'civil-status': 0.2, vaccination: 0.4, 'social-welfare': 0.25, 'driver-licence': 0.15 };
  const day = generateSectorDay(
    population,
    {
      births: Math.round(EVENTS * share['civil-status'] * 0.6),
      deaths: Math.round(EVENTS * share['civil-status'] * 0.3),
      marriages: Math.round(EVENTS * share['civil-status'] * 0.05),
      nameChanges: NAME_CHANGES,
      vaccinations: Math.round(EVENTS * share.vaccination),
      benefits: Math.round(EVENTS * share['social-welfare']),
      licences: Math.round(EVENTS * share['driver-licence']),
      invalidPerSource: 0,
    },
    Date.now() % 1_000_000,
  );

  const messages: EncodedDay = [];
  for (const source of SOURCE_NAMES) {
    const topic = topics[SOURCE_TOPICS[source].events];
    const schemaId = await registry.register(valueSubject(topic), loadRecordSchema(SOURCE_ADAPTERS[source].record).text);
    for (const event of day.events[source])
      messages.push({ topic, message: { key: (event as { source_record_id: string }).source_record_id, value: await registry.encode(schemaId, event) } });
  }
  // Interleave the sources, as a day's traffic would (the record ids carry a serial, so ordering by it mixes them).
  const serial = (key: string) => Number(key.split('-').pop());
  messages.sort((a, b) => serial(a.message.key as string) - serial(b.message.key as string));
  return { databaseUrl, citizens, messages };
}

/** µs of the monotonic clock, the one V8 stamps a CPU profile's samples with. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** With CPU profiles asked for, the run's window beside them, so that their summary leaves the services' start out (cpu-profile-summary.ts). */
function writeRunWindow(services: ServiceProcesses, fromUs: number, toUs: number): void {
  const dir = cpuProfileDir();
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const window: RunWindow = {
    fromUs,
    toUs,
    // Named as their logs are (service-processes.ts: <service>-<start order>.log).
    services: Object.fromEntries(services.pids().flatMap(({ service, pid }, i) => (pid === undefined ? [] : [[String(pid), `${service}-${i + 1}`]]))),
  };
  writeFileSync(join(dir, RUN_WINDOW_FILE), JSON.stringify(window, null, 2));
}

/**
 * `npm run bench:pipeline`: the whole pipeline (ingest, linker, store; BENCH_INSTANCES of each,
 * separate processes) against a register of BENCH_CITIZENS, fed BENCH_EVENTS across the four
 * sources at BENCH_RATE events/s (0: as fast as possible). Prints sustained throughput, end-to-end
 * latency percentiles and the lag over time, and draws the lag as pipeline-lag-<label>.svg in
 * BENCH_CHART_DIR (.dancu/bench unless given: a run leaves the repository's files alone; `docs`
 * to keep a chart BENCHMARKS links to).
 */
async function main(): Promise<void> {
  console.log(machineLine());
  const cli = loadCliConfig(process.env);
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const namespace = `bench-pipeline-${Date.now()}`;
  const { topics, kafka, admin, registry } = await benchTopics(cli, namespace, 'bench-pipeline', logger);
  const { databaseUrl, citizens, messages } = await prepareRun(cli, registry, topics);
  console.log(
    `${messages.length.toLocaleString('en')} events across the four sources; ${INSTANCES} instance(s) of each service; rate ${RATE === 0 ? 'as fast as possible' : `${RATE}/s`}`,
  );

  const groups = { ingest: `${namespace}.ingest`, linker: `${namespace}.linker`, store: `${namespace}.store` };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DANCU_TOPIC_NAMESPACE: namespace,
    DANCU_INGEST_GROUP_ID: groups.ingest,
    DANCU_LINKER_GROUP_ID: groups.linker,
    DANCU_STORE_GROUP_ID: groups.store,
    DANCU_INGEST_HTTP_PORT: '0',
    DANCU_LINKER_HTTP_PORT: '0',
    DANCU_STORE_HTTP_PORT: '0',
    DANCU_LOG_LEVEL: 'warn',
    DANCU_OUTBOX_POLL_MS: '100',
  };
  const services = new ServiceProcesses(env);
  for (let i = 0; i < INSTANCES; i += 1) for (const service of ['ingest', 'linker', 'store']) services.start(service);
  const groupTopics = pipelineGroupTopics(topics, groups);
  for (const group of Object.values(groups)) {
    while ((await admin.describeGroups([group])).groups[0]?.state !== 'Stable') await sleep(200);
  }
  const pool = createPool(databaseUrl, 2);
  // The services log at warn: the choice (info) is worked out again here, on the same register; a switch away from it is a warning, read after the run.
  console.log(`linker candidates: ${formatCandidates(await candidatesAtStart(pool, loadLinkerConfig({ ...process.env, DATABASE_URL: databaseUrl })))}`);
  await enableStatementCounts(pool);
  const before = { cpu: cpuSnapshot(), writes: await tableWrites(pool), database: await databaseActivity(pool) };

  const producer = await connectProducer(kafka);
  const start = new Date();
  const t0 = performance.now();
  const fromUs = monotonicUs();
  const lagPoints: LagPoint[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      // In messages only: the chart needs no ages, and measureLag reads the oldest waiting message of every lagging partition.
      const lags = await messageLag(admin, groupTopics).catch(() => []);
      const byGroup: Record<string, number> = {};
      for (const group of groupTopics) byGroup[group.stage] = lags.filter((l) => l.groupId === group.groupId).reduce((sum, l) => sum + l.lag, 0);
      lagPoints.push({ seconds: (performance.now() - t0) / 1000, byGroup });
      await sleep(1000);
    }
  })();

  const sliceMs = 100;
  const perSlice = RATE === 0 ? 2000 : Math.max(1, Math.round((RATE * sliceMs) / 1000));
  for (let i = 0; i < messages.length; i += perSlice) {
    const due = t0 + (RATE === 0 ? 0 : (i / RATE) * 1000);
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const slice = messages.slice(i, i + perSlice);
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of slice) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, batch]) => ({ topic, messages: batch })), acks: -1 });
  }
  const published = (performance.now() - t0) / 1000;
  // An event ingest dead-letters (a national register's data can fail a check the synthetic day's does not) is done too, and counted.
  let appliedSoFar = await appliedCount(pool, start);
  let deadLetters = await topicMessageCount(admin, topics.deadLetters);
  while (appliedSoFar + deadLetters < messages.length) {
    await sleep(500);
    appliedSoFar = await appliedCount(pool, start);
    deadLetters = await topicMessageCount(admin, topics.deadLetters);
    if ((performance.now() - t0) / 1000 > 1800) break;
  }
  const drained = (performance.now() - t0) / 1000;
  writeRunWindow(services, fromUs, monotonicUs());
  sampling = false;
  await sampler;
  const cpuAfter = cpuSnapshot();
  // Read once the clock and the CPU are stopped; the throughput is made of the count the wait ended on.
  const latencies = await latenciesSince(pool, start);
  await sleep(1500); // PostgreSQL flushes its table statistics about once a second.
  const [writesAfter, databaseAfter] = [await tableWrites(pool), await databaseActivity(pool)];

  const p = (q: number) => (percentile(latencies, q) / 1000).toFixed(2);
  console.log(`published in ${published.toFixed(1)} s (${Math.round(messages.length / published).toLocaleString('en')} events/s offered)`);
  console.log(
    `applied ${appliedSoFar.toLocaleString('en')} of ${messages.length.toLocaleString('en')} in ${drained.toFixed(1)} s = ${Math.round(appliedSoFar / drained).toLocaleString('en')} events/s sustained, end to end`,
  );
  if (deadLetters > 0) console.log(`dead-lettered ${deadLetters.toLocaleString('en')} (dancu dlq list names each reason)`);
  console.log(`end-to-end latency: p50 ${p(0.5)} s, p95 ${p(0.95)} s, p99 ${p(0.99)} s`);
  const peak = Object.fromEntries(groupTopics.map((g) => [g.stage, Math.max(0, ...lagPoints.map((l) => l.byGroup[g.stage] ?? 0))]));
  console.log(
    `peak lag: ${Object.entries(peak)
      .map(([stage, n]) => `${stage} ${n.toLocaleString('en')}`)
      .join(', ')}`,
  );
  const chartDir = resolve(REPO_ROOT, process.env.BENCH_CHART_DIR ?? join('.dancu', 'bench'));
  mkdirSync(chartDir, { recursive: true });
  const chart = join(chartDir, `pipeline-lag-${LABEL}.svg`);
  writeFileSync(
    chart,
    lagChart(
      lagPoints,
      `Lag per stage: ${messages.length.toLocaleString('en')} events, ${citizens.toLocaleString('en')} citizens, ${INSTANCES} instance(s), ${RATE === 0 ? 'max rate' : `${RATE}/s`}`,
    ),
  );
  console.log(`lag chart: ${chart}`);
  for (const line of await reexaminationSummary(pool, start)) console.log(line);

  const wire = [...SOURCE_NAMES.map((source) => topics[SOURCE_TOPICS[source].events]), topics.observations, topics.decisions, topics.populationUpdates];
  const budget = formatBudget({
    events: messages.length,
    cpu: cpuByRole(before.cpu, cpuAfter),
    writes: new Map([...writesAfter].map(([table, n]) => [table, n - (before.writes.get(table) ?? 0)])),
    statements: databaseAfter.statements === null || before.database.statements === null ? null : databaseAfter.statements - before.database.statements,
    transactions: databaseAfter.transactions - before.database.transactions,
    topics: await topicBytes(kafka, admin, wire),
  });
  console.log(
    `\ncost budget (BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" adds CPU profiles; npm run bench:profile -- DIR ${messages.length} summarises them)\n${budget}`,
  );

  console.log(
    `peak RSS: ${services
      .peakRssMb()
      .map(({ service, mb }) => `${service} ${mb ?? '?'} MB`)
      .join(', ')}`,
  );
  const switched = services.logged('linker', CANDIDATES_OUTGROWN).length;
  if (switched > 0) console.log(`linker candidates: switched to PostgreSQL during the run (${switched} linker(s): the register outgrew the bound)`);
  await producer.disconnect();
  await services.stop();
  await pool.end();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
}

await main();
