import { rankNameHits, type SearchQuery } from '../register/search-query.js';
import { CITIZENS } from './citizens-table.js';
import { RECORD_LINKS, REVIEW_CASES } from './decision-tables.js';
import type { Pool, PoolClient } from './db.js';

/** How a citizen was found: by their personal ID, their citizen id, a sector record linked to them, or their name. */
export type MatchedBy = 'personal_id' | 'citizen_id' | 'record' | 'name';

export interface CitizenHit {
  citizen_id: string;
  personal_id: string | null;
  full_name: string;
  date_of_birth: string | null;
  sex: string | null;
  status: string;
  merged_into: string | null;
  /** Sector records linked to the citizen (their history page lists them). */
  links: number;
  matched_by: MatchedBy;
  /** The sector record the search found, when it was found by one. */
  record: { source: string; source_system: string; source_record_id: string } | null;
}

/** A record waiting in review that carries the ID, record id or name searched for: it is in no citizen's history yet. */
export interface CaseHit {
  case_id: number;
  reason: string;
  source: string;
  status: string;
  source_record_id: string | null;
}

export interface SearchResult {
  citizens: CitizenHit[];
  cases: CaseHit[];
  /** More matched than the limit: the steward narrows the search (a birth date, more of the name). */
  truncated: boolean;
}

const HIT_COLUMNS = CITIZENS.list(['citizen_id', 'personal_id', 'full_name', 'name_key', 'date_of_birth', 'sex', 'status', 'merged_into'], 'c');
const LINKS_OF_C = `(select count(*) from ${RECORD_LINKS.name} l where l.citizen_id = c.citizen_id)::int as links`;

/** The name key in the collation of its index (migration 014): a prefix is then a range of the index. */
const NAME_KEY_C = 'c.name_key collate "C"';

/**
 * A birth date narrowing: first the year as a range of the index's second column (checked on the
 * index, no row read), then exactly, the less precise of the two dates deciding.
 */
function birthDateCondition(column: string, param: string): string {
  return `(${column}) >= left(${param}, 4) and (${column}) < left(${param}, 4) || '~'
      and (${param} like (${column}) || '%' or (${column}) like ${param} || '%')`;
}

type HitRow = Omit<CitizenHit, 'record'> & { name_key: string; source: string | null; source_system: string | null; source_record_id: string | null };

function toHit({ name_key: _key, source, source_system, source_record_id, ...row }: HitRow): CitizenHit {
  return { ...row, record: source && source_system && source_record_id ? { source, source_system, source_record_id } : null };
}

/**
 * Citizens by an ID: the personal ID or citizen id itself, or a sector record's id (narrowed to
 * its system when given as `system/record`) through the record's link. A merged citizen is
 * found too; its status says so and the history page shows whom it was merged into.
 */
async function citizensById(db: Pool | PoolClient, query: Extract<SearchQuery, { by: 'id' }>, limit: number): Promise<HitRow[]> {
  const { rows } = await db.query<HitRow>(
    `with found as (
       select citizen_id, 'personal_id' as matched_by, null::text as source, null::text as source_system, null::text as source_record_id
         from ${CITIZENS.name} where personal_id = $1 and $2::text is null
       union all
       select citizen_id, 'citizen_id', null, null, null from ${CITIZENS.name} where citizen_id = $1 and $2::text is null and personal_id is distinct from $1
       union all
       select citizen_id, 'record', source, source_system, source_record_id
         from ${RECORD_LINKS.name} where source_record_id = $1 and ($2::text is null or source_system = $2)
     )
     select ${HIT_COLUMNS}, f.matched_by, f.source, f.source_system, f.source_record_id, ${LINKS_OF_C}
       from found f join ${CITIZENS.name} c on c.citizen_id = f.citizen_id
      where $3::text is null or (${birthDateCondition('c.date_of_birth', '$3')})
      order by f.matched_by, c.citizen_id
      limit $4`,
    [query.id, query.sourceSystem, query.birthDate, limit],
  );
  return rows;
}

/** Citizens whose name is the one searched for or starts with its words, in the order of the name index (so a common name stops at the limit). */
async function citizensByName(db: Pool | PoolClient, query: Extract<SearchQuery, { by: 'name' }>, limit: number): Promise<HitRow[]> {
  // [key, key + '!'): the key itself and the key followed by a space and more words; '!' is the
  // character after the space, and a key holds no character below it.
  const { rows } = await db.query<HitRow>(
    `select ${HIT_COLUMNS}, 'name' as matched_by, null as source, null as source_system, null as source_record_id, ${LINKS_OF_C}
       from ${CITIZENS.name} c
      where ${NAME_KEY_C} >= $1 and ${NAME_KEY_C} < $1 || '!'
        and ($2::text is null or (${birthDateCondition('c.date_of_birth', '$2')}))
      order by ${NAME_KEY_C}, c.date_of_birth, c.citizen_id
      limit $3`,
    [query.nameKey, query.birthDate, limit],
  );
  return rows;
}

/** Records in review that carry the ID or record id, or the name (with the birth date), searched for. */
async function casesOf(db: Pool | PoolClient, query: SearchQuery, limit: number): Promise<CaseHit[]> {
  const person = "observation->'person'";
  const [condition, params] =
    query.by === 'id'
      ? [
          `(${person}->>'personal_id' = $1 or (observation->>'source_record_id' = $1 and ($2::text is null or observation->>'source_system' = $2)))`,
          [query.id, query.sourceSystem],
        ]
      : [`(${person}->>'name_key') collate "C" >= $1 and (${person}->>'name_key') collate "C" < $1 || '!' and $2::text is null`, [query.nameKey, null]];
  const dob = `${person}->'date_of_birth'->>'value'`;
  const { rows } = await db.query<CaseHit>(
    `select case_id::int as case_id, reason, source, status, observation->>'source_record_id' as source_record_id
       from ${REVIEW_CASES.name}
      where status <> 'DECIDED' and ${condition}
        and ($3::text is null or (${birthDateCondition(dob, '$3')}))
      order by case_id
      limit $4`,
    [...params, query.birthDate, limit],
  );
  return rows;
}

/**
 * Searches the register: citizens (at most `limit`, `truncated` when there were more) and the
 * records waiting in review that match. Bounded by the limit and served by the indexes of
 * migration 014, so a name shared by thousands costs what a rare one does.
 */
export async function searchRegister(db: Pool | PoolClient, query: SearchQuery, limit: number): Promise<SearchResult> {
  const [rows, cases] = await Promise.all([
    query.by === 'id' ? citizensById(db, query, limit + 1) : citizensByName(db, query, limit + 1),
    casesOf(db, query, limit),
  ]);
  const truncated = rows.length > limit;
  const kept = rows.slice(0, limit);
  const ordered = query.by === 'name' ? rankNameHits(query, kept) : kept;
  return { citizens: ordered.map(toHit), cases, truncated };
}
