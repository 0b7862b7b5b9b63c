import { sqlstateAmong } from '../errors.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { Pool } from './db.js';

/**
 * The store's chunks and PostgreSQL's shared lock table. A chunk's transaction holds, until it
 * commits, advisory locks: one per source record it decides, one per blocking key of each record
 * that may register or wait for a citizen (classify.ts, records-in-reach.ts), one per key of each
 * citizen whose identity it changes (plan/reexamination.ts, changedIdentityLocks) and, on Citus,
 * one per personal ID it registers (personal-id-check.ts); besides its tables' locks. Every
 * server process shares one lock table of `max_locks_per_transaction × (max_connections +
 * max_prepared_transactions + the server's own processes)` entries. A transaction that cannot
 * take a lock fails with "out of shared memory" (SQLSTATE 53200), and so does any other session
 * wanting one meanwhile (a steward, autovacuum); the store retries such a chunk after a pause,
 * so chunks of several partitions that filled the table together go through one after the other,
 * but a chunk larger than the table would be retried for ever. So the store works in chunks whose
 * locks, at worst, fit in a share of the table, and says so when that is fewer decisions than
 * configured.
 */

/** The share of the lock table one store instance's concurrent chunks may fill at worst; the rest is for stewards and the rest of the cluster. Each instance keeps to it: two instances' worst cases together fill the table. */
export const STORE_LOCK_TABLE_SHARE = 0.5;

/** Locks a chunk's transaction holds besides its decisions' own: its tables and their indexes. */
export const CHUNK_RELATION_LOCKS = 200;

/** The settings of the server that size its lock table (PostgreSQL 15's InitializeMaxBackends and NLOCKENTS). */
export interface LockTableSettings {
  maxLocksPerTransaction: number;
  maxConnections: number;
  maxPreparedTransactions: number;
  autovacuumMaxWorkers: number;
  maxWorkerProcesses: number;
  maxWalSenders: number;
}

/** Entries of the shared lock table: PostgreSQL sizes it for every backend it may run, and one for the autovacuum launcher. */
export function lockTableEntries(s: LockTableSettings): number {
  const backends = s.maxConnections + s.autovacuumMaxWorkers + 1 + s.maxWorkerProcesses + s.maxWalSenders;
  return s.maxLocksPerTransaction * (backends + s.maxPreparedTransactions);
}

/**
 * The most advisory locks one decision adds to its chunk's transaction: its source record's; its
 * record's key under each blocking rule (a birth, a record kept waiting); the keys of the citizen
 * it corrects (a birth whose ID a citizen registered meanwhile holds is applied as a link to them);
 * and, on Citus, the personal ID it registers.
 */
export function locksPerDecision(settings: LinkageSettings): number {
  return 2 * settings.blocking_rules.length + 2;
}

export interface StoreChunkFit {
  /** Decisions per chunk the store works with. */
  chunkSize: number;
  /** Whether that is fewer than configured, to fit the lock table. */
  lowered: boolean;
  /** The `max_locks_per_transaction` under which the configured size would have fitted (when lowered). */
  maxLocksPerTransactionNeeded: number;
}

/**
 * The largest chunk, up to the configured size, whose worst-case locks in `partitions` concurrent
 * transactions fit in the store's share of the lock table (never fewer than one decision).
 */
export function chunkSizeWithinLockTable(options: { configured: number; partitions: number; perDecision: number; table: LockTableSettings }): StoreChunkFit {
  const { configured, partitions, perDecision, table } = options;
  const perTransaction = (lockTableEntries(table) * STORE_LOCK_TABLE_SHARE) / partitions;
  const fits = Math.max(1, Math.floor((perTransaction - CHUNK_RELATION_LOCKS) / perDecision));
  const needed = (configured * perDecision + CHUNK_RELATION_LOCKS) * partitions;
  const perBackend = lockTableEntries({ ...table, maxLocksPerTransaction: 1 });
  return {
    chunkSize: Math.min(configured, fits),
    lowered: fits < configured,
    maxLocksPerTransactionNeeded: Math.ceil(needed / STORE_LOCK_TABLE_SHARE / perBackend),
  };
}

/** PostgreSQL's SQLSTATE for shared memory (or memory) short: a lock table full among others. */
const OUT_OF_MEMORY: ReadonlySet<string> = new Set(['53200']);

/** Whether `error`, or an error it wraps, is PostgreSQL short of (shared) memory: a full lock table among others. */
export function lockTableFull(error: unknown): boolean {
  return sqlstateAmong(error, OUT_OF_MEMORY) !== null;
}

/**
 * Applies the items in one call; if the server had no room for that call's locks (or memory),
 * in two halves, one after the other, each split again the same way, down to one item, whose
 * failure is thrown (the store's runner retries it after a pause). The chunk was sized to fit at
 * the store's start, but the server may have changed since (a failover to one with smaller
 * settings), or other sessions filled the table: the halves need half the locks. Results come in
 * the items' order; the halves are separate transactions, each committed before the next starts.
 */
export async function inPartsWhileLockTableFull<T, R>(items: readonly T[], apply: (part: readonly T[]) => Promise<R[]>): Promise<R[]> {
  try {
    return await apply(items);
  } catch (error) {
    if (items.length < 2 || !lockTableFull(error)) throw error;
    const half = Math.ceil(items.length / 2);
    const first = await inPartsWhileLockTableFull(items.slice(0, half), apply);
    return [...first, ...(await inPartsWhileLockTableFull(items.slice(half), apply))];
  }
}

/** PostgreSQL 15's defaults: what the store assumes of a server it could not ask at its start. */
export const POSTGRES_DEFAULTS: LockTableSettings = {
  maxLocksPerTransaction: 64,
  maxConnections: 100,
  maxPreparedTransactions: 0,
  autovacuumMaxWorkers: 3,
  maxWorkerProcesses: 8,
  maxWalSenders: 10,
};

/** The server's lock table settings, read from the server the store writes to. */
export async function readLockTableSettings(pool: Pool): Promise<LockTableSettings> {
  const names = [
    'max_locks_per_transaction',
    'max_connections',
    'max_prepared_transactions',
    'autovacuum_max_workers',
    'max_worker_processes',
    'max_wal_senders',
  ];
  const { rows } = await pool.query<{ name: string; setting: string }>('select name, setting from pg_settings where name = any($1::text[])', [names]);
  const value = (name: string): number => {
    const row = rows.find((r) => r.name === name);
    if (!row) throw new Error(`the server does not report ${name}`);
    return Number(row.setting);
  };
  return {
    maxLocksPerTransaction: value('max_locks_per_transaction'),
    maxConnections: value('max_connections'),
    maxPreparedTransactions: value('max_prepared_transactions'),
    autovacuumMaxWorkers: value('autovacuum_max_workers'),
    maxWorkerProcesses: value('max_worker_processes'),
    maxWalSenders: value('max_wal_senders'),
  };
}
