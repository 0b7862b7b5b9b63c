import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PARTITIONS } from '../../services/shared/kafka/client.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { testLogger } from '../helpers/real-stack.js';
import { registerSnapshot, type RegisterSnapshot } from '../helpers/register-snapshot.js';
import { encodeDay, sendInOrder, shuffled } from '../helpers/sector-stream.js';

const POPULATION = generatePopulation(400, 515);
const DAY = generateSectorDay(
  POPULATION,
  { births: 40, deaths: 20, marriages: 8, nameChanges: 8, vaccinations: 120, benefits: 80, licences: 40, invalidPerSource: 2 },
  5150,
  new Date('2026-11-20T12:00:00Z'),
);
/**
 * The day as the sources sent it, then in shuffled orders with every event on a random partition;
 * the linker's candidates looked up in PostgreSQL's key index in the first order and held in
 * memory (live-register.ts, auto's choice for a register this small) in the others, which must
 * decide the same.
 */
const ORDERS: { name: string; seed: number | null; env?: NodeJS.ProcessEnv }[] = [
  { name: 'as sent, to a linker reading its candidates from PostgreSQL', seed: null, env: { DANCU_LINKER_CANDIDATES: 'postgres' } },
  { name: 'shuffled (seed 1)', seed: 1 },
  { name: 'shuffled (seed 2)', seed: 2 },
  { name: 'shuffled (seed 3) to a linker holding its candidates in memory', seed: 3, env: { DANCU_LINKER_CANDIDATES: 'memory' } },
];

describe('the same events in any order and across partitions give the same register (sequence neutrality)', () => {
  const runs: IsolatedRun[] = [];
  const snapshots: RegisterSnapshot[] = [];

  beforeAll(async () => {
    // Set up one at a time (topics created at once by several admins can be asked for before
    // they have a leader), then the three orders flow side by side, each through its own run.
    for (const order of ORDERS) {
      const run = new IsolatedRun('sequence', testLogger, order.env);
      await run.setUp({ register: POPULATION });
      runs.push(run);
    }
    const finals = await Promise.all(
      ORDERS.map(async (order, i) => {
        const run = runs[i]!;
        await run.startServices();
        const messages = await encodeDay(run.registry, run.topics, DAY);
        await sendInOrder(run.producer, order.seed === null ? messages : shuffled(messages, order.seed, DEFAULT_PARTITIONS));
        await run.waitUntilDrained(120_000);
        const snapshot = await registerSnapshot(run.pool);
        await run.stopServices();
        return snapshot;
      }),
    );
    snapshots.push(...finals);
  }, 600_000);

  afterAll(async () => {
    for (const run of runs) await run.cleanUp();
  });

  it('links records in every run, so the comparison is about something', () => {
    for (const snapshot of snapshots) expect(snapshot.links.length).toBeGreaterThan(250);
  });

  it.each(ORDERS.slice(1).map((order, index) => [order.name, index + 1] as const))(
    'ends with the same citizens and field values when the events arrive %s',
    (_, index) => {
      expect(snapshots[index]!.citizens).toEqual(snapshots[0]!.citizens);
    },
  );

  it.each(ORDERS.slice(1).map((order, index) => [order.name, index + 1] as const))(
    'links every record to the same citizen when the events arrive %s',
    (_, index) => {
      expect(snapshots[index]!.links).toEqual(snapshots[0]!.links);
    },
  );

  it.each(ORDERS.slice(1).map((order, index) => [order.name, index + 1] as const))(
    'ends with the same facts, unlinked records and review cases when the events arrive %s',
    (_, index) => {
      const { facts, unlinked, review } = snapshots[index]!;
      expect({ facts, unlinked, review }).toEqual({ facts: snapshots[0]!.facts, unlinked: snapshots[0]!.unlinked, review: snapshots[0]!.review });
    },
  );
});
