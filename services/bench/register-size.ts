import { createPool } from '../shared/store/db.js';

/**
 * Citizens a benchmark database holds from its snapshot load (not those the pipeline created),
 * so BENCH_REUSE=1 can tell whether the register an earlier run loaded can be used again; -1 when
 * the database is not there yet.
 */
export async function registerSize(databaseUrl: string): Promise<number> {
  const pool = createPool(databaseUrl, 1);
  try {
    return Number((await pool.query<{ n: string }>("select count(*) as n from citizens where origin not like 'source:%'")).rows[0]?.n ?? 0);
  } catch {
    return -1;
  } finally {
    await pool.end();
  }
}
