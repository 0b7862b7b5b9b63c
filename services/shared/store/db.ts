import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { abortedForAnother, RegisterBusyError } from '../errors.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(databaseUrl: string, max = 5): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  // An idle client whose server went away emits 'error'; without a listener that kills the process.
  pool.on('error', () => undefined);
  return pool;
}

/** A pause before run `attempt` + 1, longer each time and random, so that two transactions aborted together are unlikely to meet again. */
function pauseMs(attempt: number): number {
  return attempt * (20 + Math.random() * 80);
}

/** A transaction run again: the SQLSTATE PostgreSQL aborted it with, and which run that was. */
export interface RunAgain {
  sqlstate: string;
  attempt: number;
}

/** Per pool, who hears of each transaction run again (a service's log and metrics): no stage sees these aborts. */
const runAgainObservers = new WeakMap<pg.Pool, (runAgain: RunAgain) => void>();

/** `observer` hears of every transaction inRetriedTransaction runs again on `pool`, before its pause. */
export function observeRunsAgain(pool: pg.Pool, observer: (runAgain: RunAgain) => void): void {
  runAgainObservers.set(pool, observer);
}

/** How many times inRetriedTransaction runs a person's transaction at most. */
export const PERSONS_ATTEMPTS = 4;

/**
 * A transaction a person started (a steward's decision, an operator's merge or settings change),
 * run up to PERSONS_ATTEMPTS times while PostgreSQL aborts it for another's sake: no stage retries
 * it as the store's chunks are, and the register's lock order has known exceptions
 * (review/citizen-locks.ts) whose circles PostgreSQL breaks by aborting one of the transactions.
 * Run again after a short pause, it waits its turn instead of failing the request. `work` must do
 * nothing outside the transaction that a second run would repeat.
 */
export async function inRetriedTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await inTransaction(pool, work);
    } catch (error) {
      const sqlstate = abortedForAnother(error);
      if (sqlstate === null) throw error;
      // Aborted each time: nothing was committed; the caller says so (RegisterBusyError, code REGISTER_BUSY).
      if (attempt >= PERSONS_ATTEMPTS) throw new RegisterBusyError(PERSONS_ATTEMPTS, error);
      runAgainObservers.get(pool)?.({ sqlstate, attempt });
      await sleep(pauseMs(attempt));
    }
  }
}

/**
 * Runs `work` in one transaction: committed if it returns, rolled back if it throws (with
 * PostgreSQL's own error when it aborted the transaction, for the caller's stage to retry).
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A server that goes away while the client is checked out (between two statements) emits
  // 'error' on it, which would kill the process; the next statement fails with it instead, and
  // the stage retries the chunk (a fault test restarting PostgreSQL found this).
  let broken = false;
  const ignore = () => {
    broken = true;
  };
  client.on('error', ignore);
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.off('error', ignore);
    // A connection that failed is closed rather than handed to the next chunk.
    client.release(broken);
  }
}

/** Readiness: the database answers a query. */
export function postgresCheck(pool: pg.Pool): { name: string; probe: () => Promise<void> } {
  return { name: 'postgresql', probe: async () => void (await pool.query('select 1')) };
}
