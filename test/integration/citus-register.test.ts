import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citusDown, citusUp, citusUrl, createCitusDatabase, dropCitusDatabase } from '../../services/cli/stack/citus-node.js';
import { stackLayout } from '../../services/cli/stack/stack-layout.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { loadSurvivorship } from '../../services/shared/register/survivorship.js';
import { mergeCitizens, undoMerge } from '../../services/shared/store/citizen-merges.js';
import { DancuError } from '../../services/shared/errors.js';
import type { CitizenRow } from '../../services/shared/register/citizen-row.js';
import { citizenRowColumns } from '../../services/shared/store/citizens-table.js';
import { distributeRegister } from '../../services/shared/store/citus-distribution.js';
import { writePlan } from '../../services/shared/store/decision-write.js';
import { createPlannedRows } from '../../services/shared/store/plan/planned-rows.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun, QUICK_TAKEOVER } from '../helpers/isolated-run.js';
import { registerSnapshot, snapshotDifferences, type RegisterSnapshot } from '../helpers/register-snapshot.js';
import { encodeDay, sendInOrder } from '../helpers/sector-stream.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The register on Citus (a coordinator and two workers, the citizen's tables distributed by
 * citizen_id) against the same register on one PostgreSQL: the four sources' events streamed
 * through the pipeline, the store killed with SIGKILL a third of the way in on Citus, and both
 * registers must end the same; then a steward's merge of two citizens and its undo, on both. Builds Citus on first use (about 2 minutes, once per machine) and
 * starts the Citus nodes unless they run; stops them after when it started them.
 */
const POPULATION = generatePopulation(600, 4411);
const DAY = generateSectorDay(
  POPULATION,
  { births: 60, deaths: 25, marriages: 10, nameChanges: 0, vaccinations: 300, newbornVaccinations: 0, benefits: 200, licences: 120, invalidPerSource: 2 },
  4412,
  new Date('2026-11-21T12:00:00Z'),
);
const BATCH = 100;
const SHARDS = 4;

interface Outcome {
  snapshot: RegisterSnapshot;
  observations: number;
  appliedTwice: number;
  unpublished: number;
  sent: number;
}

async function runOn(run: IsolatedRun, citus: boolean, killStore: boolean): Promise<Outcome> {
  if (citus) await createCitusDatabase(run.databaseUrl);
  await run.setUp({ register: POPULATION, afterMigrate: citus ? () => distributeRegister(run.databaseUrl, SHARDS) : undefined });
  const messages = await encodeDay(run.registry, run.topics, DAY);
  const third = Math.floor(messages.length / 3 / BATCH) * BATCH;
  try {
    await run.startProcesses(['ingest', 'linker', 'store']);
    await sendInOrder(run.producer, messages, BATCH, async (sent) => {
      if (!killStore || sent !== third) return;
      await waitUntil(
        () => run.countOf('select count(*) as n from observation_outcomes'),
        (n) => n > 0,
        60_000,
        'the store applying',
      );
      await run.processes.kill('store');
      await sleep(1_000);
      await run.processes.start('store');
    });
    await run.waitUntilDrained(300_000);
    await run.waitUntilRelayed(60_000);
    return {
      snapshot: await registerSnapshot(run.pool),
      observations: await run.countOf('select count(distinct observation_id) as n from observation_outcomes'),
      appliedTwice: await run.countOf(
        `select count(*) as n from (select observation_id from observation_outcomes where outcome in ('CREATED', 'LINKED') group by 1 having count(*) > 1) as twice`,
      ),
      unpublished: await run.countOf('select count(*) as n from outbox where published_at is null'),
      sent: messages.length,
    };
  } finally {
    await run.stopProcesses();
  }
}

interface MergeOutcome {
  moved: number;
  merged: RegisterSnapshot;
  undone: RegisterSnapshot;
}

/** The two citizens with the most links: a merge of them moves links, facts and field history. */
function mostLinked(snapshot: RegisterSnapshot): [string, string] {
  const counts = new Map<string, number>();
  for (const link of snapshot.links as { citizen_id: string }[]) counts.set(link.citizen_id, (counts.get(link.citizen_id) ?? 0) + 1);
  const ranked = [...counts].sort(([a, m], [b, n]) => n - m || a.localeCompare(b)).map(([id]) => id);
  return [ranked[0]!, ranked[1]!];
}

async function mergeAndUndo(run: IsolatedRun, [survivor, merged]: [string, string]): Promise<MergeOutcome> {
  const context = { settings: loadSettings(), survivorship: loadSurvivorship(), topics: run.topics, now: new Date('2026-11-22T09:00:00Z') };
  const merge = await mergeCitizens(run.pool, context, survivor, merged, 'steward:test', 'the same person registered twice');
  const snapshot = await registerSnapshot(run.pool);
  await undoMerge(run.pool, context, merge.mergeId, 'steward:test', 'two people after all');
  return {
    moved: await run.countOf(`select jsonb_array_length(moved -> 'links') as n from citizen_merges where merge_id = ${merge.mergeId}`),
    merged: snapshot,
    undone: await registerSnapshot(run.pool),
  };
}

/**
 * The store's write asked to register a citizen under a new citizen_id with a personal ID the
 * register holds already (rolled back after): the code it refuses with, or null if it wrote it.
 */
async function registerPersonalIdAgain(run: IsolatedRun): Promise<string | null> {
  const client = await run.pool.connect();
  try {
    const { rows } = await client.query<CitizenRow>(`select ${citizenRowColumns()} from citizens where personal_id is not null order by citizen_id limit 1`);
    const planned = createPlannedRows();
    planned.citizensCreated.add(
      { ...rows[0]!, citizen_id: 'DCSECONDREGISTRATION', address_features: null, origin: 'source:test' },
      { decision_id: null, rule: 'test' },
    );
    await client.query('begin');
    return await writePlan(client, planned).then(
      () => null,
      (error: unknown) => (error instanceof DancuError ? error.code : String(error)),
    );
  } finally {
    await client.query('rollback');
    client.release();
  }
}

describe('the register on Citus ends as on one PostgreSQL, through a kill -9 of the store', () => {
  const layout = stackLayout();
  const single = new IsolatedRun('citus-baseline', undefined, QUICK_TAKEOVER);
  const distributed = new IsolatedRun('citus', undefined, { DATABASE_URL: citusUrl('postgres'), ...QUICK_TAKEOVER });
  let startedCitus = false;
  let expected: Outcome;
  let actual: Outcome;
  let expectedMerge: MergeOutcome;
  let actualMerge: MergeOutcome;
  let refusals: (string | null)[];

  beforeAll(async () => {
    startedCitus = (await citusUp(layout, 'postgres')) === 'started';
    [expected, actual] = await Promise.all([runOn(single, false, false), runOn(distributed, true, true)]);
    const pair = mostLinked(expected.snapshot);
    [expectedMerge, actualMerge] = await Promise.all([mergeAndUndo(single, pair), mergeAndUndo(distributed, pair)]);
    refusals = await Promise.all([registerPersonalIdAgain(single), registerPersonalIdAgain(distributed)]);
  }, 900_000);

  afterAll(async () => {
    await single.cleanUp();
    await distributed.cleanUp().catch(() => undefined);
    await dropCitusDatabase(distributed.databaseUrl);
    if (startedCitus) await citusDown(layout);
  }, 120_000);

  it('distributes the citizen tables over both workers', async () => {
    const placed = await distributed.countOf(
      `select count(distinct d.nodeport) as n from pg_dist_shard s join pg_dist_placement p using (shardid)
        join pg_dist_node d on d.groupid = p.groupid where s.logicalrelid = 'citizens'::regclass`,
    );
    expect(placed).toBe(2);
  });

  it('applies the stream on both: several hundred observations, none applied twice, the outbox drained', () => {
    expect(expected.observations).toBeGreaterThan(500);
    expect({ observations: actual.observations, appliedTwice: actual.appliedTwice, unpublished: actual.unpublished }).toEqual({
      observations: expected.observations,
      appliedTwice: 0,
      unpublished: 0,
    });
  });

  it('ends with the same citizens, values, links, facts and waiting records as on one PostgreSQL', () => {
    expect(snapshotDifferences(actual.snapshot, expected.snapshot)).toEqual({});
  });

  it("merges two citizens as on one PostgreSQL: the merged one's links, facts and fields moved to the survivor", () => {
    expect(expectedMerge.moved).toBeGreaterThan(0);
    expect(actualMerge.moved).toBe(expectedMerge.moved);
    expect(snapshotDifferences(actualMerge.merged, expectedMerge.merged)).toEqual({});
  });

  it('undoes the merge as on one PostgreSQL, every link back with the citizen it was linked to before', () => {
    expect(snapshotDifferences(actualMerge.undone, expectedMerge.undone)).toEqual({});
    expect(actualMerge.undone.links).toEqual(actual.snapshot.links);
  });

  it('refuses a second citizen with a personal ID the register holds, as one PostgreSQL does', () => {
    expect(refusals).toEqual(['CITIZEN_REGISTERED_MEANWHILE', 'CITIZEN_REGISTERED_MEANWHILE']);
  });
});
