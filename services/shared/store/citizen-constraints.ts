import type { PoolClient } from './db.js';
import { onCitus } from './store-dialect.js';

/**
 * Runs a bulk write of citizens with the table's two unique constraints (its primary key and the
 * personal ID's) and the foreign keys that reference the primary key set aside, and puts them back
 * after it, inside the caller's transaction. Grown row by row in the file's (random) key order,
 * the two unique indexes were most of a COPY of a million citizens (15-21 s; 2.5-2.9 s without
 * them and the change notes' trigger); built once after it, each takes under a second. At 10 M
 * citizens PostgreSQL's CPU for the load fell by a tenth. A duplicate is then refused by the rebuild, not
 * by the COPY (population-load.ts names its row). The constraints come back as the catalogue held
 * them (pg_get_constraintdef), so this follows whatever the migrations made.
 *
 * Only into an empty register (a first load): there the tables that reference citizens are empty
 * too, and the foreign keys come back without reading anything. Beside registered citizens the
 * constraints stay and grow with the COPY, as before: re-adding a foreign key would read every
 * link, fact and provenance row of the register. Dropping them locks citizens and the tables
 * referencing it until the load commits: this is for loads, as withKeyIndexesDropped is. On Citus
 * the constraints stay too (a distributed table's foreign keys are Citus's to keep).
 */
export async function withCitizenConstraintsSetAside<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  if ((await onCitus(client)) || !(await registerEmpty(client))) return work();
  const { rows } = await client.query<{ drop: string; add: string }>(CONSTRAINTS);
  for (const { drop } of rows) await client.query(drop);
  const result = await work();
  await client.query("set local maintenance_work_mem = '512MB'");
  for (const { add } of [...rows].reverse()) await client.query(add);
  return result;
}

async function registerEmpty(client: PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ empty: boolean }>('select not exists (select 1 from citizens) as empty');
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
