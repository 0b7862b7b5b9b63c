import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterBrokers,
  clusterNodes,
  kafkaClusterDown,
  kafkaClusterUp,
  kafkaNodeUp,
  type KafkaClusterOptions,
} from '../../services/cli/stack/kafka-cluster.js';
import { isAlive, runningPid } from '../../services/cli/stack/processes.js';
import { stackLayout } from '../../services/cli/stack/stack-layout.js';
import { DLQ_HEADERS } from '../../services/shared/kafka/dead-letter.js';
import { readTopicSnapshot } from '../../services/shared/kafka/topic-snapshot.js';
import { CITIZEN_VERSION_HEADER } from '../../services/shared/store/outbox-relay.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun, QUICK_TAKEOVER } from '../helpers/isolated-run.js';
import { encodeDay, sendInOrder } from '../helpers/sector-stream.js';
import { header } from '../helpers/topic-reader.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * A 3-node cluster of the test's own (other ports, a temporary folder; the shared stack's single
 * broker is left alone), started with the stack's code. The pipeline streams the four sources
 * through it; a third of the way in, one node is killed with SIGKILL, the rest of the stream is
 * sent and applied while it is away, then it is started again and must catch up.
 */
const POPULATION = generatePopulation(1_000, 1919);
const DAY = generateSectorDay(
  POPULATION,
  { births: 80, deaths: 30, marriages: 10, nameChanges: 0, vaccinations: 450, newbornVaccinations: 0, benefits: 300, licences: 200, invalidPerSource: 2 },
  1919,
  new Date('2026-11-20T12:00:00Z'),
);
const BATCH = 100;
const KILLED = 2;

/**
 * Clients ask for the partitions' leaders again when their view is 5 s old, not 5 minutes: a send
 * retried after a back-off then finds the leaders the cluster moved off the lost node meanwhile,
 * instead of failing once more against the view from before (and backing off twice as long).
 */
const QUICK_FAILOVER = { DANCU_KAFKA_METADATA_MAX_AGE_MS: '5000' };

const folder = mkdtempSync(join(tmpdir(), 'dancu-broker-loss-'));
const cluster: KafkaClusterOptions = { host: '127.0.0.1', port: 19092, nodes: 3, heapMb: 512, folder, logs: join(folder, 'logs') };
const killedNode = clusterNodes(cluster).find((node) => node.id === KILLED)!;

interface Observed {
  sent: number;
  /** Observations with an outcome when the node was killed. */
  appliedAtKill: number;
  nodeAwayAtDrain: boolean;
  /** Partitions of the run's topics short of a replica once the stream drained: the node's copies were really away. */
  underReplicatedWhileDown: number;
  /** Observations with an outcome once the stream drained (with the node still away). */
  observations: number;
  /** Distinct observations ingest put on the observations topic, and those of them without an outcome in the store. */
  observationsOnTopic: number;
  withoutOutcome: number;
  appliedTwice: number;
  auditedTwice: number;
  deadLettered: number;
  unpublished: number;
  outboxEvents: number;
  distinctUpdatesOnTopic: number;
  updatesPublishedAfterKill: number;
  /** Citizen versions per citizen, in the order a consumer of the updates topic receives them. */
  versionsReceived: Map<string, number[]>;
  versionsInRegister: Map<string, number>;
  /** Partitions of the run's topics still short of an in-sync replica after the node's restart (and the wait for it). */
  underReplicatedAfterRestart: number;
}

async function killNode(): Promise<void> {
  const pid = runningPid(killedNode.process);
  if (pid === null) throw new Error(`node ${KILLED} is not running`);
  process.kill(pid, 'SIGKILL');
  await waitUntil(
    async () => isAlive(pid),
    (alive) => !alive,
    10_000,
    `node ${KILLED} gone`,
  );
}

/** Partitions of the run's topics whose in-sync replicas are fewer than their replicas. */
async function underReplicated(run: IsolatedRun): Promise<number> {
  const { topics } = await run.admin.fetchTopicMetadata({ topics: Object.values(run.topics) });
  return topics.flatMap((topic) => topic.partitions).filter((partition) => partition.isr.length < partition.replicas.length).length;
}

async function observe(run: IsolatedRun, killedAt: { time: Date; applied: number }): Promise<Omit<Observed, 'underReplicatedAfterRestart' | 'sent'>> {
  const count = (sql: string, params: unknown[] = []) => run.countOf(sql, params);
  const updates = await readTopicSnapshot(run.kafka, run.admin, run.topics.populationUpdates);
  const versionsReceived = new Map<string, number[]>();
  for (const message of updates) {
    const citizen = message.key?.toString() ?? '';
    versionsReceived.set(citizen, [...(versionsReceived.get(citizen) ?? []), Number(header(message, CITIZEN_VERSION_HEADER))]);
  }
  const onTopic = new Set((await readTopicSnapshot(run.kafka, run.admin, run.topics.observations)).map((m) => header(m, 'id') ?? ''));
  const withOutcome = new Set((await run.pool.query<{ id: string }>('select distinct observation_id as id from observation_outcomes')).rows.map((r) => r.id));
  const versions = await run.pool.query<{ citizen_id: string; version: number }>('select citizen_id, version from citizen_versions');
  return {
    appliedAtKill: killedAt.applied,
    nodeAwayAtDrain: runningPid(killedNode.process) === null,
    underReplicatedWhileDown: await underReplicated(run),
    observations: withOutcome.size,
    observationsOnTopic: onTopic.size,
    withoutOutcome: [...onTopic].filter((id) => !withOutcome.has(id)).length,
    appliedTwice: await count(
      `select count(*) as n from (select observation_id from observation_outcomes where outcome in ('CREATED', 'LINKED') group by 1 having count(*) > 1) as twice`,
    ),
    auditedTwice: await count(
      `select count(*) as n from (select details->>'decision_id' from audit_log where details ? 'decision_id' group by 1 having count(*) > 1) as twice`,
    ),
    deadLettered: await deadLetteredRecords(run),
    unpublished: await count('select count(*) as n from outbox where published_at is null'),
    outboxEvents: await count('select count(*) as n from outbox where topic = $1', [run.topics.populationUpdates]),
    distinctUpdatesOnTopic: new Set(updates.map((m) => header(m, 'id'))).size,
    updatesPublishedAfterKill: await count('select count(*) as n from outbox where topic = $1 and published_at > $2', [
      run.topics.populationUpdates,
      killedAt.time,
    ]),
    versionsReceived,
    versionsInRegister: new Map(versions.rows.map((row) => [row.citizen_id, Number(row.version)])),
  };
}

/** Records dead-lettered, each once: a chunk sent again after a failed send writes its dead letters again, and replaying them is idempotent. */
async function deadLetteredRecords(run: IsolatedRun): Promise<number> {
  const letters = await readTopicSnapshot(run.kafka, run.admin, run.topics.deadLetters);
  return new Set(letters.map((m) => `${header(m, DLQ_HEADERS.reason)} ${header(m, DLQ_HEADERS.recordId)}`)).size;
}

/** A citizen's versions as a consumer that skips a repeat of the version it just had sees them. */
function withoutRepeats(versions: number[]): number[] {
  return versions.filter((version, i) => i === 0 || version !== versions[i - 1]);
}

describe('a 3-broker cluster that loses a broker in the middle of the stream loses nothing else', () => {
  let run: IsolatedRun | null = null;
  let observed: Observed;

  beforeAll(async () => {
    mkdirSync(cluster.logs, { recursive: true });
    const started = Date.now();
    await kafkaClusterUp(stackLayout(), cluster);
    const startupSeconds = (Date.now() - started) / 1000;
    run = new IsolatedRun('broker-loss', undefined, { DANCU_KAFKA_BROKERS: clusterBrokers(cluster).join(','), ...QUICK_TAKEOVER, ...QUICK_FAILOVER });
    await run.setUp({ register: POPULATION });
    const messages = await encodeDay(run.registry, run.topics, DAY);
    await run.startServices();
    const third = Math.floor(messages.length / 3 / BATCH) * BATCH;
    let killedAt = { time: new Date(), applied: 0 };
    const active = run;
    await sendInOrder(run.producer, messages, BATCH, async (sent) => {
      if (sent !== third) return;
      // The node dies while the store has applied some of the stream and not all of it.
      const applied = await waitUntil(
        () => active.countOf('select count(*) as n from observation_outcomes'),
        (n) => n > 0,
        60_000,
        'the store applying',
      );
      killedAt = { time: new Date(), applied };
      await killNode();
    });
    await run.waitUntilDrained(120_000);
    await run.waitUntilRelayed(60_000);
    const seen = await observe(run, killedAt);
    const restarted = Date.now();
    await kafkaNodeUp(stackLayout(), cluster, KILLED);
    const underReplicatedAfterRestart = await waitUntil(
      () => underReplicated(active),
      (n) => n === 0,
      60_000,
      'replicas in sync',
    ).catch(() => underReplicated(active));
    observed = { ...seen, sent: messages.length, underReplicatedAfterRestart };
    const seconds = (from: number) => ((Date.now() - from) / 1000).toFixed(1);
    console.log(`broker-loss: cluster up in ${startupSeconds.toFixed(1)} s; node ${KILLED}'s replicas in sync ${seconds(restarted)} s after its restart`);
  }, 300_000);

  afterAll(async () => {
    try {
      await run?.cleanUp();
    } finally {
      await kafkaClusterDown(cluster);
      // The killed node's JVM may still be releasing its folder.
      await sleep(200);
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('gives dancu topics three copies, two of which must hold a write', async () => {
    const { resources } = await run!.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: run!.topics.observations, configNames: ['min.insync.replicas'] }],
    });
    const { topics } = await run!.admin.fetchTopicMetadata({ topics: [run!.topics.observations] });
    expect([resources[0]?.configEntries[0]?.configValue, topics[0]?.partitions.map((p) => p.replicas.length)]).toEqual(['2', [3, 3, 3]]);
  });

  it('goes on applying events while the broker is away: the stream drains with it still down', () => {
    expect(observed.nodeAwayAtDrain).toBe(true);
    expect(observed.underReplicatedWhileDown).toBeGreaterThan(0);
    expect(observed.observations).toBeGreaterThan(observed.appliedAtKill);
  });

  it('applies every event exactly once: each valid event has an outcome, none is applied or audited twice', () => {
    const { sent, observations, deadLettered, appliedTwice, auditedTwice } = observed;
    expect({ outcomesAndDeadLetters: observations + deadLettered, appliedTwice, auditedTwice }).toEqual({
      outcomesAndDeadLetters: sent,
      appliedTwice: 0,
      auditedTwice: 0,
    });
  });

  it('dead-letters only the events that break a rule, none for the broker being away', () => {
    expect(observed.deadLettered).toBe(DAY.truth.rejected.length);
  });

  it('leaves no observation that ingest published without an outcome in the store', () => {
    expect({ onTopic: observed.observationsOnTopic, withoutOutcome: observed.withoutOutcome }).toEqual({ onTopic: observed.observations, withoutOutcome: 0 });
  });

  it('publishes every population update, including those made after the loss', () => {
    expect(observed.unpublished).toBe(0);
    expect(observed.updatesPublishedAfterKill).toBeGreaterThan(0);
    expect(observed.distinctUpdatesOnTopic).toBe(observed.outboxEvents);
  });

  it("delivers each citizen's update versions in increasing order across the loss", () => {
    const received = new Map([...observed.versionsReceived].map(([citizen, versions]) => [citizen, withoutRepeats(versions)]));
    const expected = new Map([...observed.versionsInRegister].map(([citizen, last]) => [citizen, Array.from({ length: last }, (_, i) => i + 1)]));
    expect([...received.values()].some((versions) => versions.length > 1)).toBe(true);
    expect(received).toEqual(expected);
  });

  it("brings the restarted broker's replicas back in sync: every partition of dancu's topics has its three copies in sync", () => {
    expect(observed.underReplicatedAfterRestart).toBe(0);
  });
});
