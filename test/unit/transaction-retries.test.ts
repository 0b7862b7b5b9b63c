import { describe, expect, it } from 'vitest';
import { DancuError } from '../../services/shared/errors.js';
import {
  inRetriedTransaction,
  inTransaction,
  observeRunsAgain,
  PERSONS_ATTEMPTS,
  type Pool,
  type PoolClient,
  type RunAgain,
} from '../../services/shared/store/db.js';

/** What node-postgres throws for a statement the server refuses: the SQLSTATE as `code`. */
const refused = (code: string) => Object.assign(new Error(`refused ${code}`), { code });

/**
 * A pool whose one connection takes begin, commit and rollback, and the statements each run of
 * the work makes: enough to count runs and see what ends the transaction, without a server (the
 * integration test aborted-transactions.test.ts makes a real circle of lock waits).
 */
function fakePool() {
  const ends: string[] = [];
  const client = {
    query: async (sql: string) => {
      if (sql === 'commit' || sql === 'rollback') ends.push(sql);
      return { rows: [] };
    },
    on: () => client,
    off: () => client,
    release: () => undefined,
  };
  return { pool: { connect: async () => client } as unknown as Pool, ends };
}

/** Work that fails with each of `failures` in turn, then returns how many runs it took. */
function failingThen(failures: Error[]): { work: (client: PoolClient) => Promise<number>; runs: () => number } {
  let runs = 0;
  return {
    work: async () => {
      runs += 1;
      const failure = failures[runs - 1];
      if (failure) throw failure;
      return runs;
    },
    runs: () => runs,
  };
}

describe('a transaction PostgreSQL aborts for another’s sake', () => {
  it('runs again, for a person’s transaction, and returns what the run that committed returned', async () => {
    const { pool, ends } = fakePool();
    const work = failingThen([refused('40P01'), refused('40001')]);
    expect(await inRetriedTransaction(pool, work.work)).toBe(3);
    expect(ends).toEqual(['rollback', 'rollback', 'commit']);
  });

  it('tells the pool’s observer of each run again, by SQLSTATE and the run aborted', async () => {
    const { pool } = fakePool();
    const heard: RunAgain[] = [];
    observeRunsAgain(pool, (runAgain) => heard.push(runAgain));
    await inRetriedTransaction(pool, failingThen([refused('40P01'), refused('40001')]).work);
    expect(heard).toEqual([
      { sqlstate: '40P01', attempt: 1 },
      { sqlstate: '40001', attempt: 2 },
    ]);
  });

  it('fails with REGISTER_BUSY, the abort as its cause, once every attempt was aborted', async () => {
    const { pool } = fakePool();
    const work = failingThen(Array.from({ length: PERSONS_ATTEMPTS }, () => refused('40P01')));
    const failure = await inRetriedTransaction(pool, work.work).catch((error: unknown) => error);
    expect({ code: (failure as DancuError).code, cause: ((failure as DancuError).cause as { code: string }).code, runs: work.runs() }).toEqual({
      code: 'REGISTER_BUSY',
      cause: '40P01',
      runs: PERSONS_ATTEMPTS,
    });
  });

  it('is not run again by default, and fails with PostgreSQL’s own error for the stage to retry', async () => {
    const { pool } = fakePool();
    const work = failingThen([refused('40P01')]);
    const failure = await inTransaction(pool, work.work).catch((error: unknown) => error);
    expect({ code: (failure as { code: string }).code, runs: work.runs() }).toEqual({ code: '40P01', runs: 1 });
  });

  it('is not run again when it fails for another reason', async () => {
    const { pool } = fakePool();
    const work = failingThen([refused('23505')]);
    const failure = await inRetriedTransaction(pool, work.work).catch((error: unknown) => error);
    expect({ code: (failure as { code: string }).code, runs: work.runs(), busy: failure instanceof DancuError }).toEqual({
      code: '23505',
      runs: 1,
      busy: false,
    });
  });
});
