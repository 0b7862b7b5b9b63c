import type { Pool } from './db.js';

/**
 * The register's size as the planner estimates it, counted only while it has no estimate (a
 * fresh or never analysed table): a count of a national register takes seconds, and what asks
 * (a prior's scale, the linker's choice of candidate source) needs no exact figure.
 */
export async function estimatedRegisterSize(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `select coalesce(nullif((select greatest(reltuples, 0)::bigint from pg_class where oid = 'citizens'::regclass), 0), (select count(*) from citizens)) as n`,
  );
  return Number(rows[0]?.n ?? 0);
}
