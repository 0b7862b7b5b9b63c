import type { PoolClient } from './db.js';
import { onCitus } from './store-dialect.js';

/**
 * A bulk load into an empty register (a first load), made cheaper in two ways, inside the
 * caller's transaction:
 *
 * - The citizens' two unique constraints (the primary key and the personal ID's) and the foreign
 *   keys that reference the primary key are set aside during the work and put back after it, as
 *   the catalogue held them (pg_get_constraintdef), so this follows whatever the migrations made.
 *   Grown row by row in the file's (random) key order, the two unique indexes were most of a COPY
 *   of a million citizens (15-21 s; 2.5-2.9 s without them and the change notes' trigger); built
 *   once after it, each takes under a second. A duplicate is then refused by the rebuild, not by
 *   the COPY (population-load.ts names its row), and only once every row was good: a file with
 *   bad rows reports them first, its duplicates at the next attempt. The tables that reference
 *   citizens are empty, so their foreign keys come back without reading them (the one from
 *   citizens to itself, merged_into, reads the loaded citizens, none of which is merged).
 * - citizens and citizen_blocking_keys are truncated (they hold nothing) in the transaction, so
 *   the COPYs may write their rows frozen (COPY FREEZE): already visible to all and marked so in
 *   the visibility map, which spares the VACUUM pass over them after the load and the freezing
 *   of millions of rows by a later one.
 *
 * Beside registered citizens nothing changes: the constraints grow with the COPY, as before (re-
 * adding a foreign key would read every link, fact and provenance row of the register). Nor on
 * Citus, whose distributed tables' foreign keys are Citus's to keep. Dropping the constraints
 * locks citizens and the tables referencing it until the load commits: this is for loads, as
 * withKeyIndexesDropped is. `work` is told whether the register was prepared (and may FREEZE).
 */
export async function withEmptyRegisterPrepared<T>(client: PoolClient, work: (prepared: boolean) => Promise<T>): Promise<T> {
  if (await onCitus(client)) return work(false);
  // Held already by the caller's index drops; taken here too so that no writer can commit a citizen between the check and the truncate.
  await client.query('lock table citizens, citizen_blocking_keys in access exclusive mode');
  if (!(await registerEmpty(client))) return work(false);
  const { rows } = await client.query<{ drop: string; add: string }>(CONSTRAINTS);
  for (const { drop } of rows) await client.query(drop);
  // Nothing references citizens now; both tables are empty, so nothing is lost.
  await client.query('truncate citizens, citizen_blocking_keys');
  const result = await work(true);
  await client.query("set local maintenance_work_mem = '512MB'");
  for (const { add } of [...rows].reverse()) await client.query(add);
  return result;
}

async function registerEmpty(client: PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ empty: boolean }>(
    'select not exists (select 1 from citizens) and not exists (select 1 from citizen_blocking_keys) as empty',
  );
  return rows[0]?.empty === true;
}

/**
 * The statements that drop and re-add each constraint: the foreign keys first (the primary key
 * cannot go while they depend on it), the unique ones after; re-added in the reverse order.
 */
const CONSTRAINTS = `
  select format('alter table %s drop constraint %I', conrelid::regclass, conname) as drop,
         format('alter table %s add constraint %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) as add
    from pg_constraint
   where (contype = 'f' and confrelid = 'citizens'::regclass)
      or (contype in ('p', 'u') and conrelid = 'citizens'::regclass)
   order by contype = 'f' desc, conrelid::regclass::text, conname`;
