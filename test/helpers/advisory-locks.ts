import type { Pool, PoolClient } from '../../services/shared/store/db.js';

/** One session's hold on, or wait for, the advisory lock of a key. */
export interface KeyLockRow {
  key: string;
  pid: number;
  mode: string;
  granted: boolean;
}

/**
 * The advisory locks of these keys as `pg_locks` shows them, every session's, held or awaited: a
 * key's lock (records-in-reach.ts, takeKeyLocks) is its 64-bit `hashtextextended`, which
 * PostgreSQL lists split in two 32-bit words (objsubid 1 for a bigint key).
 */
export async function keyLocks(db: Pool | PoolClient, keys: readonly string[]): Promise<KeyLockRow[]> {
  const { rows } = await db.query<KeyLockRow>(
    `select k as key, l.pid, l.mode, l.granted from unnest($1::text[]) as k, hashtextextended(k, 0) as h
       join pg_locks l on l.locktype = 'advisory' and l.objsubid = 1
        and l.classid::bigint = (h >> 32) & 4294967295 and l.objid::bigint = h & 4294967295`,
    [keys],
  );
  return rows;
}
