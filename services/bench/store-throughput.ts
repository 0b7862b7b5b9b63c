import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import { loadConfig as loadCliConfig } from '../cli/config.js';
import { connectProducer } from '../shared/kafka/client.js';
import { SOURCE_NAMES, valueSubject } from '../shared/schemas/topics.js';
import { createLogger } from '../shared/observability/logger.js';
import { loadRecordSchema } from '../shared/schemas/avro-files.js';
import type { LinkDecision } from '../shared/schemas/records.js';
import { toObservation } from '../shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../shared/sources/source-adapters.js';
import { createPool } from '../shared/store/db.js';
import { generateSectorDay } from '../shared/synth/sector-day.js';
import { prepareBenchRegister } from './bench-register.js';
import { cpuByRole, cpuSnapshot, databaseActivity, enableStatementCounts, tableWrites } from './cost-budget.js';
import { ServiceProcesses } from './service-processes.js';
import { benchTopics } from './bench-topics.js';
import { machineLine } from './machine.js';

const CITIZENS = Number(process.env.BENCH_CITIZENS ?? 1_000_000);
const DECISIONS = Number(process.env.BENCH_DECISIONS ?? 50_000);
const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 1);

/** What a linker's link carries instead of an explanation: the best candidate's levels and weights (five comparisons). */
const EVIDENCE = { prior: -19.9, levels: [0, 1, 0, 0, 4], weights: [14.2, 9.1, 10.3, 0.9, -0.4], runner_up_score: null };

/**
 * The linker's decisions for a synthetic day against the register: births create citizens,
 * everything else links to the citizen the synthetic truth says it is about. Births are spread
 * through the stream as in a day's traffic; records about a newborn come after all births, so
 * every decision names a citizen that exists when it is applied.
 */
function decisionsFor(day: ReturnType<typeof generateSectorDay>, now: Date): LinkDecision[] {
  const newborns = new Set(day.truth.civilStatus.births.map((birth) => birth.personalId));
  const births: LinkDecision[] = [];
  const rest: LinkDecision[] = [];
  const aboutNewborns: LinkDecision[] = [];
  for (const source of SOURCE_NAMES) {
    for (const [index, event] of day.events[source].entries()) {
      let observation;
      try {
        observation = toObservation(SOURCE_ADAPTERS[source], event, { topic: 'bench', partition: 0, offset: String(index) }, now);
      } catch {
        continue;
      }
      const isBirth = observation.event_type === 'BIRTH_REGISTRATION';
      const citizenId = isBirth ? null : (day.truth.about.get(observation.source_record_id) ?? null);
      if (!isBirth && !citizenId) continue;
      const decision: LinkDecision = {
        decision_id: `${observation.observation_id}:decision`,
        decision: isBirth ? 'NEW' : 'LINK',
        citizen_id: citizenId,
        score: isBirth ? 0 : 0.999,
        method: 'PROBABILISTIC',
        reason: isBirth ? 'NO_MATCH' : 'ABOVE_LINK_THRESHOLD',
        candidates: [],
        explanation: null,
        evidence: EVIDENCE,
        settings_version: 'bench',
        decided_at: now.getTime(),
        observation,
      };
      (isBirth ? births : citizenId && newborns.has(citizenId) ? aboutNewborns : rest).push(decision);
    }
  }
  const every = Math.max(1, Math.floor(rest.length / Math.max(1, births.length)));
  const mixed = rest.flatMap((decision, index) => (index % every === 0 && births.length > 0 ? [births.shift()!, decision] : [decision]));
  return [...mixed, ...births, ...aboutNewborns];
}

/**
 * `npm run bench:store`: the store writer alone. BENCH_DECISIONS link decisions (a day's mix of
 * the four sources) are put on the decisions topic first; then BENCH_INSTANCES store processes
 * start and apply them to a register of BENCH_CITIZENS. Prints applied decisions per second,
 * from the first commit to the last (and from process start, which includes joining the group).
 */
async function main(): Promise<void> {
  console.log(machineLine());
  const cli = loadCliConfig(process.env);
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const { databaseUrl, population } = await prepareBenchRegister(cli.DATABASE_URL, 'dancu_bench_store', CITIZENS);
  const scale = DECISIONS / 1000;
  const day = generateSectorDay(
    population,
    {
      births: Math.round(40 * scale),
      deaths: Math.round(30 * scale),
      marriages: Math.round(10 * scale),
      nameChanges: Math.round(10 * scale),
      vaccinations: Math.round(450 * scale),
      benefits: Math.round(300 * scale),
      licences: Math.round(160 * scale),
      invalidPerSource: 0,
    },
    Date.now() % 1_000_000,
  );
  const decisions = decisionsFor(day, new Date());

  const namespace = `bench-store-${Date.now()}`;
  const { topics, kafka, admin, registry } = await benchTopics(cli, namespace, 'bench-store', logger);
  const schemaId = await registry.register(valueSubject(topics.decisions), loadRecordSchema('linkDecision').text);
  const producer = await connectProducer(kafka);
  const messages: Message[] = [];
  for (const decision of decisions) {
    messages.push({
      key: decision.citizen_id ?? decision.observation.person.personal_id ?? decision.decision_id,
      value: await registry.encode(schemaId, decision),
    });
  }
  for (let i = 0; i < messages.length; i += 5000) await producer.send({ topic: topics.decisions, messages: messages.slice(i, i + 5000), acks: -1 });
  await producer.disconnect();
  const kinds = decisions.reduce<Record<string, number>>((counts, d) => ({ ...counts, [d.observation.source]: (counts[d.observation.source] ?? 0) + 1 }), {});
  console.log(
    `${decisions.length.toLocaleString('en')} decisions on the topic (${Object.entries(kinds)
      .map(([k, n]) => `${k} ${n.toLocaleString('en')}`)
      .join(', ')}); ${INSTANCES} store instance(s)`,
  );

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    DANCU_TOPIC_NAMESPACE: namespace,
    DANCU_STORE_GROUP_ID: `${namespace}.store`,
    DANCU_STORE_HTTP_PORT: '0',
    DANCU_LOG_LEVEL: 'warn',
    DANCU_OUTBOX_POLL_MS: '100',
  };
  const pool = createPool(databaseUrl, 2);
  await enableStatementCounts(pool);
  const before = { writes: await tableWrites(pool), database: await databaseActivity(pool), cpu: cpuSnapshot() };
  const t0 = performance.now();
  const services = new ServiceProcesses(env);
  for (let i = 0; i < INSTANCES; i += 1) services.start('store');
  const applied = async () => Number((await pool.query<{ n: string }>('select count(*) as n from observation_outcomes')).rows[0]?.n ?? 0);
  while ((await applied()) < decisions.length && (performance.now() - t0) / 1000 < 1800) await sleep(250);
  const wall = (performance.now() - t0) / 1000;
  const { rows } = await pool.query<{ n: string; seconds: number; citizens: string }>(
    `select count(*) as n, extract(epoch from max(applied_at) - min(applied_at)) as seconds, count(distinct citizen_id) as citizens from observation_outcomes`,
  );
  const n = Number(rows[0]?.n ?? 0);
  const seconds = Number(rows[0]?.seconds ?? 0);
  const published = async () => Number((await pool.query<{ n: string }>('select count(*) as n from outbox where published_at is null')).rows[0]?.n ?? 0);
  while ((await published()) > 0 && (performance.now() - t0) / 1000 < 1800) await sleep(250);
  const relayed = (performance.now() - t0) / 1000;
  console.log(
    `applied ${n.toLocaleString('en')} decisions to ${Number(rows[0]?.citizens).toLocaleString('en')} citizens: ${Math.round(n / seconds).toLocaleString('en')} decisions/s from first to last commit (${seconds.toFixed(1)} s)`,
  );
  console.log(
    `${Math.round(n / wall).toLocaleString('en')} decisions/s from process start (${wall.toFixed(1)} s, includes joining the group); outbox relayed to Kafka by ${relayed.toFixed(1)} s`,
  );

  // CPU is read before the processes stop (an ended process's time is lost).
  const cpu = cpuByRole(before.cpu, cpuSnapshot());
  await services.stop();
  const after = { writes: await tableWrites(pool), database: await databaseActivity(pool) };
  const perDecision = (role: string) => Math.round(((cpu.get(role) ?? 0) * 1e6) / n);
  console.log(`µs of CPU per decision: store ${perDecision('store')}, PostgreSQL ${perDecision('postgresql')} (every backend of the cluster)`);
  const rowsWritten = [...after.writes].reduce((sum, [table, count]) => sum + count - (before.writes.get(table) ?? 0), 0);
  const statements = after.database.statements === null || before.database.statements === null ? null : after.database.statements - before.database.statements;
  // Statements include the outbox relay's and this benchmark's polling; the stack's cluster counts them (pg_stat_statements).
  console.log(
    `per decision: ${(rowsWritten / n).toFixed(2)} rows written, ${statements === null ? 'statements not counted' : `${(statements / n).toFixed(3)} statements`}, ${((after.database.transactions - before.database.transactions) / n).toFixed(3)} transactions (store and relay)`,
  );
  await pool.end();
  await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
  await admin.disconnect();
}

await main();
