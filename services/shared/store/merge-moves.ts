import type { PoolClient } from './db.js';
import { onCitus } from './store-dialect.js';

/**
 * How a merge locks its two citizens and moves rows of the citizen's tables (links, facts, field
 * history) from one citizen to the other, on both engines. On one PostgreSQL a move is an update
 * of citizen_id and the lock one `for update`. On Citus citizen_id is the distribution column,
 * which Citus never updates (the row may belong on another shard), and only a query of one shard
 * may lock: there a move deletes the rows from the one citizen's shard and inserts them, every
 * column as it was, on the other's, and the two citizens are locked by `lock_citizens` (one
 * single-shard `for update` each, in id order, so two merges never wait on each other in a circle).
 */

/** What a merge moved from the merged citizen to the survivor, so that undoing it moves exactly that back. */
export interface Moved {
  links: { source: string; source_system: string; source_record_id: string }[];
  facts: number[];
  provenance: number[];
}

export interface LockedCitizen {
  status: string;
  merged_into: string | null;
}

export async function lockMergeCitizens(client: PoolClient, ids: string[]): Promise<Map<string, LockedCitizen>> {
  const citus = await onCitus(client);
  if (citus) await client.query('select lock_citizens($1::text[])', [ids]);
  const { rows } = await client.query<LockedCitizen & { citizen_id: string }>(
    `select citizen_id, status, merged_into from citizens where citizen_id = any($1::text[]) order by citizen_id${citus ? '' : ' for update'}`,
    [ids],
  );
  return new Map(rows.map((row) => [row.citizen_id, row]));
}

type MovedTable = 'record_links' | 'citizen_facts' | 'field_provenance';

/** An extra condition on the rows moved, given the number of its first parameter. */
type Which = (first: number) => string;

/**
 * Moves the rows of `table` from citizen `from` to citizen `to` that `which` (with the parameters
 * `param`) selects, or all, returning `returning` of each. On Citus the rows are copied with the
 * other citizen_id, every column as it was (a column added later moves too), and then deleted.
 */
async function move<Row extends object>(
  client: PoolClient,
  table: MovedTable,
  from: string,
  to: string,
  returning: string,
  which: Which = () => '',
  param: unknown[] = [],
): Promise<Row[]> {
  if (!(await onCitus(client))) {
    const { rows } = await client.query<Row>(`update ${table} set citizen_id = $2 where citizen_id = $1${which(3)} returning ${returning}`, [
      from,
      to,
      ...param,
    ]);
    return rows;
  }
  // Copied first (the copies belong to the other citizen, so the delete that follows cannot meet them), then deleted.
  const columns = await columnsOf(client, table);
  const copied = columns.map((column) => (column === 'citizen_id' ? '$2::text' : column)).join(', ');
  await client.query(`insert into ${table} (${columns.join(', ')}) select ${copied} from ${table} where citizen_id = $1${which(3)}`, [from, to, ...param]);
  const { rows } = await client.query<Row>(`delete from ${table} where citizen_id = $1${which(2)} returning ${returning}`, [from, ...param]);
  return rows;
}

/** Every column of a table as the database has it (not the descriptors', which leave out the ones defaults fill). */
async function columnsOf(client: PoolClient, table: MovedTable): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    'select quote_ident(attname) as name from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum',
    [table],
  );
  return rows.map((row) => row.name);
}

/** Every link, fact and history entry of the merged citizen, moved to the survivor. */
export async function moveToSurvivor(client: PoolClient, mergedId: string, survivorId: string): Promise<Moved> {
  const links = await move<Moved['links'][number]>(client, 'record_links', mergedId, survivorId, 'source, source_system, source_record_id');
  const facts = await move<{ id: string }>(client, 'citizen_facts', mergedId, survivorId, 'id');
  const provenance = await move<{ id: string }>(client, 'field_provenance', mergedId, survivorId, 'id');
  return { links, facts: facts.map((r) => Number(r.id)), provenance: provenance.map((r) => Number(r.id)) };
}

/** What a merge moved, moved back from the survivor to the merged citizen (rows moved on since stay where they are). */
export async function moveBack(client: PoolClient, moved: Moved, survivorId: string, mergedId: string): Promise<void> {
  const { links } = moved;
  await move(
    client,
    'record_links',
    survivorId,
    mergedId,
    'source',
    (n) => ` and (source, source_system, source_record_id) in (select * from unnest($${n}::text[], $${n + 1}::text[], $${n + 2}::text[]))`,
    [links.map((l) => l.source), links.map((l) => l.source_system), links.map((l) => l.source_record_id)],
  );
  await move(client, 'citizen_facts', survivorId, mergedId, 'id', (n) => ` and id = any($${n}::bigint[])`, [moved.facts]);
  await move(client, 'field_provenance', survivorId, mergedId, 'id', (n) => ` and id = any($${n}::bigint[])`, [moved.provenance]);
}
