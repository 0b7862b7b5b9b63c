import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineRun } from '../../services/cli/pipeline-run.js';
import { kafkaDown, kafkaProcess, kafkaUp } from '../../services/cli/stack/kafka-node.js';
import { canRestart, postgresRestart } from '../../services/cli/stack/postgres-node.js';
import { runningPid } from '../../services/cli/stack/processes.js';
import { hostPort, stackLayout } from '../../services/cli/stack/stack-layout.js';
import { DLQ_HEADERS } from '../../services/shared/kafka/dead-letter.js';
import { readTopicSnapshot } from '../../services/shared/kafka/topic-snapshot.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun, QUICK_TAKEOVER } from '../helpers/isolated-run.js';
import { registerSnapshot, snapshotDifferences, type RegisterSnapshot } from '../helpers/register-snapshot.js';
import { encodeDay, sendInOrder, type StreamMessage } from '../helpers/sector-stream.js';
import type { ServiceProcesses } from '../helpers/service-processes.js';
import { config } from '../helpers/real-stack.js';
import { waitUntil } from '../helpers/wait.js';

const POPULATION = generatePopulation(2_000, 717);
/**
 * No vaccinations of newborns before their birth registration: which newborn such a record links
 * to depends on which births are registered when it is linked (the first fault runs showed one,
 * with no ID and no address, linked to a namesake born three days later), and this test is about
 * the pipeline's guarantees, not linkage order.
 */
const DAY = generateSectorDay(
  POPULATION,
  { births: 200, deaths: 80, marriages: 20, nameChanges: 0, vaccinations: 1_400, newbornVaccinations: 0, benefits: 900, licences: 500, invalidPerSource: 3 },
  7170,
  new Date('2026-11-20T12:00:00Z'),
);
const BATCH = 200;

const layout = stackLayout();
const ownsKafka = runningPid(kafkaProcess(layout)) !== null;
const ownsPostgres = canRestart(config.DATABASE_URL);
const kafkaOptions = { ...hostPort(config.DANCU_KAFKA_BROKERS[0] ?? '127.0.0.1:9092', 9092), heapMb: config.DANCU_STACK_KAFKA_HEAP_MB };

/** What a run ended with: the register, and the counts that say every event was applied exactly once and published. */
interface RunResult {
  snapshot: RegisterSnapshot;
  /** Each event dead-lettered, by record and reason (a dead letter written again after a crash counts once: replaying it is idempotent). */
  deadLettered: string[];
  /** Observations the store recorded an outcome for (a record kept unlinked, then linked, counts once). */
  observations: number;
  /** Observations applied to a citizen more than once, and decisions audited more than once: both must be none. */
  appliedTwice: number;
  auditedTwice: number;
  unpublished: number;
  outboxEvents: number;
  updatesOnTopic: number;
  distinctUpdatesOnTopic: number;
}

async function resultOf(run: PipelineRun): Promise<RunResult> {
  const count = async (sql: string) => Number((await run.pool.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  const updates = await readTopicSnapshot(run.kafka, run.admin, run.topics.populationUpdates);
  const header = (m: { headers?: Record<string, unknown> }, name: string) => String(m.headers?.[name] ?? '');
  const deadLetters = await readTopicSnapshot(run.kafka, run.admin, run.topics.deadLetters);
  return {
    snapshot: await registerSnapshot(run.pool),
    deadLettered: [
      ...new Set(
        deadLetters.map(
          (m) =>
            `${header(m, DLQ_HEADERS.reason)} ${header(m, DLQ_HEADERS.recordId) || `${header(m, DLQ_HEADERS.partition)}:${header(m, DLQ_HEADERS.offset)}`}`,
        ),
      ),
    ].sort(),
    observations: await count('select count(distinct observation_id) as n from observation_outcomes'),
    appliedTwice: await count(
      `select count(*) as n from (select observation_id from observation_outcomes where outcome in ('CREATED', 'LINKED') group by 1 having count(*) > 1) as twice`,
    ),
    auditedTwice: await count(
      `select count(*) as n from (select details->>'decision_id' from audit_log where details ? 'decision_id' group by 1 having count(*) > 1) as twice`,
    ),
    unpublished: await count('select count(*) as n from outbox where published_at is null'),
    outboxEvents: Number((await run.pool.query<{ n: string }>('select count(*) as n from outbox where topic = $1', [run.topics.populationUpdates])).rows[0]?.n),
    updatesOnTopic: updates.length,
    // The relay sends each update with its id as a header; a resend after a crash repeats the id.
    distinctUpdatesOnTopic: new Set(updates.map((m) => String(m.headers?.id))).size,
  };
}

interface Fault {
  name: string;
  skip: boolean;
  /** Called once a third of the stream is sent, while the pipeline is busy with it. */
  inject: (services: ServiceProcesses, run: PipelineRun) => Promise<void>;
}

const killAndRestart =
  (service: string): Fault['inject'] =>
  async (services) => {
    await services.kill(service);
    await sleep(1_000);
    await services.start(service);
  };

const FAULTS: Fault[] = [
  { name: 'kill -9 of the ingest service', skip: false, inject: killAndRestart('ingest') },
  { name: 'kill -9 of the linker service', skip: false, inject: killAndRestart('linker') },
  { name: 'kill -9 of the store service', skip: false, inject: killAndRestart('store') },
  {
    name: 'Kafka stopping and starting again',
    skip: !ownsKafka,
    inject: async (services) => {
      await kafkaDown(layout);
      await sleep(3_000);
      await kafkaUp(layout, kafkaOptions);
      await services.waitAllReady(180_000);
    },
  },
  {
    name: 'PostgreSQL restarting as after a crash',
    skip: !ownsPostgres,
    inject: async (services, run) => {
      await postgresRestart(run.databaseUrl, 'immediate');
      await services.waitAllReady(120_000);
    },
  },
];

let settingUp: Promise<void> = Promise.resolve();

/** Runs the stream through the pipeline in separate processes, injecting the fault a third of the way in. */
async function runWith(fault: Fault | null, runs: IsolatedRun[]): Promise<RunResult & { sent: number }> {
  const run = new IsolatedRun('faults', undefined, QUICK_TAKEOVER);
  runs.push(run);
  // Runs side by side set up one at a time: topics created at the same moment by several admins
  // can answer a metadata request before their partitions have a leader.
  settingUp = settingUp.then(() => run.setUp({ register: POPULATION }));
  await settingUp;
  const messages: StreamMessage[] = await encodeDay(run.registry, run.topics, DAY);
  try {
    await run.startProcesses(['ingest', 'linker', 'store']);
    const third = Math.floor(messages.length / 3 / BATCH) * BATCH;
    await sendInOrder(run.producer, messages, BATCH, async (sent) => {
      if (fault && sent === third) {
        // The fault strikes while the store has applied some of the stream and not all of it.
        await waitUntil(
          () => run.countOf('select count(*) as n from observation_outcomes'),
          (n) => n > 0,
          60_000,
          'the store applying',
        );
        await fault.inject(run.processes, run);
      }
    });
    await run.waitUntilDrained(300_000);
    await run.waitUntilRelayed(60_000);
    return { ...(await resultOf(run)), sent: messages.length };
  } finally {
    await run.stopProcesses();
  }
}

describe('after a crash or an outage, every event is applied exactly once and the register ends as without it', () => {
  const runs: IsolatedRun[] = [];
  let expected: RunResult & { sent: number };
  const results = new Map<string, RunResult>();

  beforeAll(async () => {
    // A killed service touches only its own run, so the baseline and the three kills run side by
    // side (their waits overlap); stopping Kafka or PostgreSQL touches every run, so those go alone, after.
    const alone = (fault: Fault) => fault.name.startsWith('Kafka') || fault.name.startsWith('PostgreSQL');
    const active = FAULTS.filter((fault) => !fault.skip);
    const [baseline, ...killed] = await Promise.all([runWith(null, runs), ...active.filter((fault) => !alone(fault)).map((fault) => runWith(fault, runs))]);
    expected = baseline!;
    active.filter((fault) => !alone(fault)).forEach((fault, i) => results.set(fault.name, killed[i]!));
    for (const fault of active.filter(alone)) results.set(fault.name, await runWith(fault, runs));
  }, 1_800_000);

  afterAll(async () => {
    await kafkaUp(layout, kafkaOptions).catch(() => undefined);
    for (const run of runs) await run.cleanUp();
  });

  it('applies several thousand events in the run without faults that the others are compared with', () => {
    expect(expected.sent).toBeGreaterThan(3_000);
    expect(expected.deadLettered).toHaveLength(12);
    expect(expected.observations).toBeGreaterThan(3_000);
    expect({ appliedTwice: expected.appliedTwice, auditedTwice: expected.auditedTwice, unpublished: expected.unpublished }).toEqual({
      appliedTwice: 0,
      auditedTwice: 0,
      unpublished: 0,
    });
    expect(expected.snapshot.links.length).toBeGreaterThan(2_500);
  });

  describe.each(FAULTS.map((fault) => [fault.name, fault] as const))('through %s', (name, fault) => {
    it.skipIf(fault.skip)('ends with the same citizens, values, links, facts and waiting records', () => {
      expect(snapshotDifferences(results.get(name)!.snapshot, expected.snapshot)).toEqual({});
    });

    it.skipIf(fault.skip)('applies every event once: each observation has an outcome, none is applied twice, no decision is audited twice', () => {
      const { observations, appliedTwice, auditedTwice } = results.get(name)!;
      expect({ observations, appliedTwice, auditedTwice }).toEqual({ observations: expected.observations, appliedTwice: 0, auditedTwice: 0 });
    });

    it.skipIf(fault.skip)('dead-letters only the invalid events, as without the fault', () => {
      expect(results.get(name)?.deadLettered).toEqual(expected.deadLettered);
    });

    it.skipIf(fault.skip)('drains the outbox and puts every population update on the topic', () => {
      const result = results.get(name)!;
      expect(result.unpublished).toBe(0);
      expect(result.distinctUpdatesOnTopic).toBe(result.outboxEvents);
    });
  });
});
