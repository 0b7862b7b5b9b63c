import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
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
import { REGISTER_FIELDS } from '../../services/shared/register/survivorship.js';
import type { PopulationUpdate } from '../../services/shared/schemas/records.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun, QUICK_TAKEOVER } from '../helpers/isolated-run.js';
import { encodeDay, sendInOrder, spread } from '../helpers/sector-stream.js';
import { header } from '../helpers/topic-reader.js';
import { applyHigherVersions } from '../helpers/update-consumer.js';
import { waitUntil, within } from '../helpers/wait.js';

/**
 * A 3-node cluster of the test's own (other ports, a temporary folder; the shared stack's single
 * broker is left alone), started with the stack's code. The pipeline streams the four sources
 * through it; a third of the way in, one node is killed with SIGKILL, the rest of the stream is
 * sent and applied while it is away, then it is started again and must catch up.
 *
 * The services run as processes (`dancu run`), not in the test's worker: kafkajs 2.2.4 can leave
 * a consumer spinning on microtasks when its disconnect overtakes a rebalance of its fetchers (the
 * brokers it fetches from changed: the node came back), and a process spinning so never runs a
 * timer again. In the worker that starved every timeout and hung the file in its afterAll; a
 * service process spinning so is killed (ServiceProcesses.stopAll).
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
  /** The updates topic's messages, in the order a consumer receives them (a citizen's are on one partition). */
  updatesReceived: PopulationUpdate[];
  /** Per citizen with updates: its version, and its values of the fields any update on the topic changed, as the register holds them. */
  register: Map<string, CitizenAsHeld>;
  /** Partitions of the run's topics still short of an in-sync replica after the node's restart (and the wait for it). */
  underReplicatedAfterRestart: number;
}

interface CitizenAsHeld {
  version: number;
  fields: Record<string, string | null>;
}

/** Timeouts of the file's hooks: each fails the file rather than let it wait on the cluster for ever. */
const SETUP_TIMEOUT_MS = 300_000;
const CLEANUP_TIMEOUT_MS = 150_000;

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
  const updatesReceived = await Promise.all(updates.map((message) => run.registry.decode<PopulationUpdate>(message.value)));
  const onTopic = new Set((await readTopicSnapshot(run.kafka, run.admin, run.topics.observations)).map((m) => header(m, 'id') ?? ''));
  const withOutcome = new Set((await run.pool.query<{ id: string }>('select distinct observation_id as id from observation_outcomes')).rows.map((r) => r.id));
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
    updatesReceived,
    register: await registerAsHeld(run, updatesReceived),
  };
}

/** The register's side of what a consumer of the updates should hold: each citizen's version and its values of the fields the updates changed. */
async function registerAsHeld(run: IsolatedRun, updates: PopulationUpdate[]): Promise<Map<string, CitizenAsHeld>> {
  const changed = new Map<string, Set<string>>();
  for (const update of updates) {
    const fields = changed.get(update.citizen_id) ?? new Set<string>();
    for (const change of update.changes) fields.add(change.field);
    changed.set(update.citizen_id, fields);
  }
  const versions = await run.pool.query<{ citizen_id: string; version: string }>('select citizen_id, version from citizen_versions');
  const { rows } = await run.pool.query<Record<string, string | null>>(`select citizen_id, ${REGISTER_FIELDS.join(', ')} from citizens`);
  const values = new Map(rows.map((row) => [row.citizen_id, row]));
  return new Map(
    versions.rows.map(({ citizen_id, version }) => {
      const row = values.get(citizen_id) ?? {};
      const fields = [...(changed.get(citizen_id) ?? [])].sort();
      return [citizen_id, { version: Number(version), fields: Object.fromEntries(fields.map((field) => [field, row[field] ?? null])) }];
    }),
  );
}

/** The versions received of each citizen with updates on the topic or a version in the register. */
function versionsByCitizen(observed: Observed): Map<string, number[]> {
  const received = new Map<string, number[]>([...observed.register.keys()].map((citizen) => [citizen, []]));
  for (const update of observed.updatesReceived) received.set(update.citizen_id, [...(received.get(update.citizen_id) ?? []), update.citizen_version]);
  return received;
}

/** Records dead-lettered, each once: a chunk sent again after a failed send writes its dead letters again, and replaying them is idempotent. */
async function deadLetteredRecords(run: IsolatedRun): Promise<number> {
  const letters = await readTopicSnapshot(run.kafka, run.admin, run.topics.deadLetters);
  return new Set(letters.map((m) => `${header(m, DLQ_HEADERS.reason)} ${header(m, DLQ_HEADERS.recordId)}`)).size;
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
    // Civil-status events (the ones that change a citizen's fields) spread over the stream: some change a citizen after a fact, and after the loss.
    const messages = spread(await encodeDay(run.registry, run.topics, DAY));
    await run.startProcesses(['ingest', 'linker', 'store']);
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
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    try {
      // The cluster goes down even when the run's cleanup fails or hangs: this fails first, the hook's timeout after.
      await within(run?.cleanUp() ?? Promise.resolve(), CLEANUP_TIMEOUT_MS - 30_000, "the run's cleanup");
    } finally {
      await kafkaClusterDown(cluster);
      // The killed node's JVM may still be releasing its folder.
      await sleep(200);
      rmSync(folder, { recursive: true, force: true });
    }
  }, CLEANUP_TIMEOUT_MS);

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

  // A lost broker can repeat a run of a citizen's versions (1, 2, 1, 2, 3: the relay sends a failed batch again whole), so these check what holds across it.
  it("delivers every version of each citizen's updates across the loss, the last one received the highest", () => {
    const received = versionsByCitizen(observed);
    const wrong = [...received].flatMap(([citizen, versions]) => {
      const last = observed.register.get(citizen)?.version ?? 0;
      const seen = [...new Set(versions)].sort((a, b) => a - b);
      const every = Array.from({ length: last }, (_, i) => i + 1);
      return isDeepStrictEqual(seen, every) && versions.at(-1) === last ? [] : [{ received: versions, inRegister: last }];
    });
    expect([...received.values()].some((versions) => new Set(versions).size > 1)).toBe(true);
    expect({ citizens: wrong.length, first: wrong.slice(0, 3) }).toEqual({ citizens: 0, first: [] });
  });

  it('leaves a consumer that applies only a higher version than it holds with the register: each citizen at its version, with its values', () => {
    const held = applyHigherVersions(observed.updatesReceived);
    const citizens = new Set([...held.keys(), ...observed.register.keys()]);
    const wrong = [...citizens].flatMap((citizen) => {
      const inRegister = observed.register.get(citizen) ?? { version: 0, fields: {} };
      const consumer = held.get(citizen);
      const fields = Object.keys(inRegister.fields).filter((field) => !consumer?.fields.has(field) || consumer.fields.get(field) !== inRegister.fields[field]);
      // Field names only: the values are personal data (synthetic here, but a failure prints them).
      return consumer?.version === inRegister.version && fields.length === 0
        ? []
        : [{ version: consumer?.version ?? 0, inRegister: inRegister.version, fields }];
    });
    // Not only first versions: some citizen's fields change in a later update, which the consumer must apply over the earlier.
    expect(observed.updatesReceived.some((update) => update.changes.length > 0 && update.citizen_version > 1)).toBe(true);
    expect({ citizens: wrong.length, first: wrong.slice(0, 3) }).toEqual({ citizens: 0, first: [] });
  });

  it("brings the restarted broker's replicas back in sync: every partition of dancu's topics has its three copies in sync", () => {
    expect(observed.underReplicatedAfterRestart).toBe(0);
  });
});
