import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { MIGRATIONS_DIR } from '../paths.js';

/**
 * The register's tables distributed on a Citus coordinator (citus/distribute.sql, where the
 * choices are explained), once, after the migrations have created them as local tables.
 * `shardCount` shards per distributed table: 32 by default (room to move shards to more workers
 * later), fewer for a small test database, where each shard costs its own statements.
 */
const DISTRIBUTE_SQL = join(MIGRATIONS_DIR, '..', 'citus', 'distribute.sql');

export async function distributeRegister(databaseUrl: string, shardCount = 32): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const done = await client.query("select 1 from pg_dist_partition where logicalrelid = 'citizens'::regclass");
    if (done.rowCount !== 0) return false;
    await client.query('begin');
    await client.query(readFileSync(DISTRIBUTE_SQL, 'utf8').replaceAll(':shard_count', String(Math.trunc(shardCount))));
    await client.query('commit');
    return true;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
