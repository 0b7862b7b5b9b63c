import type { PoolClient } from './db.js';

/**
 * A personal ID belongs to one citizen. One PostgreSQL refuses a second by its unique constraint;
 * on Citus the constraint is gone (Citus enforces one only when it holds citizen_id, the
 * distribution column: citus/distribute.sql), so a transaction that registers citizens asks
 * instead, after writing them: whether any of their personal IDs is now held by two citizens.
 * Each personal ID is first locked on the coordinator (transaction-scoped advisory locks, sorted,
 * every service connecting through the coordinator): of two transactions registering the same
 * personal ID at once, the second to lock waits until the first commits, and its check, a new
 * statement, then sees the first's citizen.
 */
export async function personalIdHeldTwice(client: PoolClient, personalIds: readonly string[]): Promise<boolean> {
  if (personalIds.length === 0) return false;
  await client.query(
    `select pg_advisory_xact_lock(h) from (select distinct hashtextextended('personal_id:' || p, 0) as h from unnest($1::text[]) as p order by 1) as locks`,
    [personalIds],
  );
  const { rowCount } = await client.query(
    'select personal_id from citizens where personal_id = any($1::text[]) group by personal_id having count(*) > 1 limit 1',
    [personalIds],
  );
  return (rowCount ?? 0) > 0;
}
