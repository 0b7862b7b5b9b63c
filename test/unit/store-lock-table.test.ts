import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import type { CitizenState } from '../../services/shared/store/plan/citizen-state.js';
import { classify } from '../../services/shared/store/plan/classify.js';
import { planDecisions } from '../../services/shared/store/plan/plan-decisions.js';
import { changedIdentityLocks } from '../../services/shared/store/plan/reexamination.js';
import { CONTEXT, decision, loadedState, observation, registerCitizen } from '../fixtures/link-decisions.js';
import {
  CHUNK_RELATION_LOCKS,
  chunkSizeWithinLockTable,
  inPartsWhileLockTableFull,
  lockTableFull,
  lockTableEntries,
  locksPerDecision,
  STORE_LOCK_TABLE_SHARE,
  POSTGRES_DEFAULTS,
  type LockTableSettings,
} from '../../services/shared/store/lock-table.js';

const DEFAULTS: LockTableSettings = POSTGRES_DEFAULTS;

/** The advisory locks a chunk of these decisions takes (decision-load.ts, register-reexamination.ts), distinct as PostgreSQL counts them; on one server, no personal-ID locks. */
function chunkLocks(decisions: ReturnType<typeof decision>[], citizens: CitizenState[] = []): number {
  const { settings } = CONTEXT;
  const needs = classify(decisions, new Set(decisions.map((d) => d.decision_id)), settings);
  const { registerChanges } = planDecisions(decisions, loadedState(decisions, { citizens }), CONTEXT);
  return new Set([...needs.recordLocks, ...needs.lockKeys.map((l) => l.key), ...changedIdentityLocks(settings, registerChanges)]).size;
}

describe("the store's chunks within the server's lock table", () => {
  it('sizes the lock table as PostgreSQL does: locks per transaction times every backend it may run and every prepared transaction', () => {
    expect(lockTableEntries(DEFAULTS)).toBe(64 * (100 + 3 + 1 + 8 + 10));
    expect(lockTableEntries({ ...DEFAULTS, maxPreparedTransactions: 5 })).toBe(64 * (122 + 5));
  });

  it('bounds the locks of a chunk of births and records kept waiting, each taking its record lock and its keys', () => {
    const births = [1, 2, 3].map((i) =>
      decision('NEW', observation({ person: { personal_id: `07930000010${i}`, given_name: `Mai${i}`, full_name: `Trần Thị Mai${i}` } })),
    );
    const waiting = [1, 2].map((i) =>
      decision(
        'UNLINKED',
        observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null, given_name: `Lan${i}`, full_name: `Trần Thị Lan${i}` } }),
      ),
    );
    const chunk = [...births, ...waiting];
    const locks = chunkLocks(chunk);
    expect(locks).toBeGreaterThanOrEqual(chunk.length * 2);
    expect(locks).toBeLessThanOrEqual(chunk.length * locksPerDecision(loadSettings()));
  });

  it('bounds the locks of a correction, which also takes the corrected citizen’s new keys', () => {
    const corrected = {
      full_name: 'Lê Văn Hùng',
      family_name: 'Lê',
      middle_name: 'Văn',
      given_name: 'Hùng',
      name_key: 'le van hung',
      personal_id: '079200000777',
    };
    const correction = decision('LINK', observation({ event_type: 'CIVIL_STATUS_CORRECTION', person: corrected }), { citizen_id: 'C-0001' });
    const locks = chunkLocks([correction], [registerCitizen()]);
    expect(locks).toBeGreaterThan(1);
    expect(locks).toBeLessThanOrEqual(locksPerDecision(loadSettings()));
  });

  it('bounds the locks of a birth applied to the holder of its ID, registered meanwhile, whose identity it corrects: more than its record and its keys', () => {
    const birth = decision('NEW', observation({ person: { personal_id: '079200000777' } }));
    const holder = { ...registerCitizen({ citizen_id: '079200000777' }), registeredAt: birth.decided_at + 1_000 };
    const locks = chunkLocks([birth], [holder]);
    const settings = loadSettings();
    expect(locks).toBeGreaterThan(settings.blocking_rules.length + 1);
    expect(locks).toBeLessThanOrEqual(locksPerDecision(settings));
  });

  it("keeps the default chunk size on the stack's server (stack/postgresql.conf)", () => {
    const fit = chunkSizeWithinLockTable({
      configured: 200,
      partitions: 3,
      perDecision: locksPerDecision(loadSettings()),
      table: { ...DEFAULTS, maxLocksPerTransaction: 128, maxConnections: 200 },
    });
    expect(fit).toMatchObject({ chunkSize: 200, lowered: false });
  });

  it("lowers the chunk size to what a server with PostgreSQL's defaults holds", () => {
    const perDecision = locksPerDecision(loadSettings());
    const fit = chunkSizeWithinLockTable({ configured: 200, partitions: 3, perDecision, table: DEFAULTS });
    expect(fit).toMatchObject({ chunkSize: 55, lowered: true });
    expect(fit.chunkSize * perDecision + CHUNK_RELATION_LOCKS).toBeLessThanOrEqual((7_808 * STORE_LOCK_TABLE_SHARE) / 3);
  });

  it('names a max_locks_per_transaction under which the configured chunks would fit', () => {
    const fit = chunkSizeWithinLockTable({ configured: 500, partitions: 3, perDecision: 10, table: DEFAULTS });
    const raised = chunkSizeWithinLockTable({
      configured: 500,
      partitions: 3,
      perDecision: 10,
      table: { ...DEFAULTS, maxLocksPerTransaction: fit.maxLocksPerTransactionNeeded },
    });
    const short = chunkSizeWithinLockTable({
      configured: 500,
      partitions: 3,
      perDecision: 10,
      table: { ...DEFAULTS, maxLocksPerTransaction: fit.maxLocksPerTransactionNeeded - 1 },
    });
    expect(raised).toMatchObject({ chunkSize: 500, lowered: false });
    expect(short.lowered).toBe(true);
  });

  it('lowers the chunk size further the more partitions it works at once', () => {
    const three = chunkSizeWithinLockTable({ configured: 10_000, partitions: 3, perDecision: 10, table: DEFAULTS });
    const six = chunkSizeWithinLockTable({ configured: 10_000, partitions: 6, perDecision: 10, table: DEFAULTS });
    expect(six.chunkSize).toBeLessThan(three.chunkSize);
  });

  it('works one decision at a time on a table too small for more, rather than none', () => {
    const fit = chunkSizeWithinLockTable({
      configured: 200,
      partitions: 64,
      perDecision: 10,
      table: { ...DEFAULTS, maxLocksPerTransaction: 10, maxConnections: 5 },
    });
    expect(fit.chunkSize).toBe(1);
  });
});

/** An error as pg throws it, with PostgreSQL's SQLSTATE. */
function postgresError(code: string): Error {
  return Object.assign(new Error(code === '53200' ? 'out of shared memory' : 'some other failure'), { code });
}

/** An apply that fails for lack of room when given more than `room` items, and records the parts it committed. */
function applyWithRoom(room: number, committed: number[][]) {
  return async (part: readonly number[]): Promise<string[]> => {
    if (part.length > room) throw postgresError('53200');
    committed.push([...part]);
    return part.map((n) => `applied ${n}`);
  };
}

describe('a chunk the lock table cannot hold', () => {
  it("is known by PostgreSQL's SQLSTATE 53200, also when wrapped", () => {
    expect(lockTableFull(postgresError('53200'))).toBe(true);
    expect(lockTableFull(new Error('chunk failed', { cause: postgresError('53200') }))).toBe(true);
    expect(lockTableFull(postgresError('40P01'))).toBe(false);
  });

  it('is applied whole when it fits', async () => {
    const committed: number[][] = [];
    await inPartsWhileLockTableFull([1, 2, 3, 4], applyWithRoom(4, committed));
    expect(committed).toEqual([[1, 2, 3, 4]]);
  });

  it('is applied in halves, in order, each split again until it fits, with results in the items’ order', async () => {
    const committed: number[][] = [];
    const results = await inPartsWhileLockTableFull([1, 2, 3, 4, 5], applyWithRoom(2, committed));
    expect(committed).toEqual([[1, 2], [3], [4, 5]]);
    expect(results).toEqual(['applied 1', 'applied 2', 'applied 3', 'applied 4', 'applied 5']);
  });

  it('throws when one item alone does not fit, for the runner to retry later', async () => {
    const committed: number[][] = [];
    await expect(inPartsWhileLockTableFull([1, 2], applyWithRoom(0, committed))).rejects.toMatchObject({ code: '53200' });
    expect(committed).toEqual([]);
  });

  it('is not split for any other failure', async () => {
    let calls = 0;
    const failing = async (): Promise<string[]> => {
      calls += 1;
      throw postgresError('40P01');
    };
    await expect(inPartsWhileLockTableFull([1, 2, 3, 4], failing)).rejects.toMatchObject({ code: '40P01' });
    expect(calls).toBe(1);
  });
});
