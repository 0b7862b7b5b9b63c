import type { LinkageSettings } from '../linkage/settings.js';
import { PROVINCES_2008 } from '../normalise/provinces.js';
import type { PersonObservation } from '../schemas/records.js';
import type { PoolClient } from './db.js';
import { idRules } from './plan/record-keys.js';
import type { KeyedChange, PickedRecord, ReachCount } from './plan/reexamination.js';
import { REGISTER_REEXAMINATIONS } from './reexamination-tables.js';
import { SETTINGS_RELINKS } from './settings-tables.js';
import { onCitus } from './store-dialect.js';

/** Records the transaction's re-examinations sent back so far: the bound is the transaction's, whichever of its steps changed the register. */
export const SENT_IN_TRANSACTION = 'dancu.reexamined_records';

/** The observations the transaction's re-examinations sent back so far (a JSON array): a later step of it does not send one again. */
export const SENT_OBSERVATIONS_IN_TRANSACTION = 'dancu.reexamined_observations';

/** What the database found in reach of a transaction's changes, counted, and the records picked for sending. */
export interface ReexaminationReach {
  counts: ReachCount[];
  picked: PickedRecord[];
  /** Records the transaction's earlier re-examinations sent back already. */
  sentBefore: number;
}

/** The codes every issued personal ID begins with: a citizen whose ID begins otherwise holds a placeholder. */
const PROVINCE_CODES = Object.keys(PROVINCES_2008);

/** Shares the personal ID key or two blocking keys (plan/record-keys.ts says why), in SQL. */
const ENOUGH = 'count(*) >= 2 or bool_or(k.rule = any($5::text[]))';

/** The name-frequency rows of the key tables (citizen-keys.ts); a blocking rule's name cannot hold a colon. */
const TERM_ROWS = 'tf:%';

/** The citizens near a changed one, found through its blocking keys first (the query's comment says why). */
const NEAR = `     near_by_rules as (
       select t.citizen as changed, k.citizen_id, count(*) as shared, bool_or(k.rule = any($5::text[])) as by_id
         from citizen_blocking_keys k join t on k.rule = t.rule and k.key = t.key
        where t.rule not like '${TERM_ROWS}' and k.citizen_id <> t.citizen group by t.citizen, k.citizen_id),
     term_keys as (select citizen, array_agg(rule) as rules, array_agg(key) as keys from t where rule like '${TERM_ROWS}' group by citizen),
     near as (
       select p.changed, p.citizen_id, p.shared + v.shared as shared
         from near_by_rules p
         left join term_keys w on w.citizen = p.changed
         cross join lateral (select count(*) as shared from unnest(w.rules, w.keys) as u(rule, key)
                              join citizen_blocking_keys f on f.rule = u.rule and f.key = u.key and f.citizen_id = p.citizen_id) v
        where p.shared + v.shared >= 2 or p.by_id
       union all
       select t.citizen, k.citizen_id, count(*) from citizen_blocking_keys k join t on k.rule = t.rule and k.key = t.key
        where exists (select 1 from t where rule like '${TERM_ROWS}' group by citizen having count(*) >= 2)
          and t.rule like '${TERM_ROWS}' and k.citizen_id <> t.citizen
          and not exists (select 1 from near_by_rules p where p.changed = t.citizen and p.citizen_id = k.citizen_id)
        group by t.citizen, k.citizen_id having count(*) >= 2),
`;

/**
 * The same citizens on Citus, found by joining every key of the changed citizens whole: Citus
 * cannot send a look-up correlated with an intermediate result to the shards ("cannot push down
 * this subquery"), so there the name-frequency blocks are still read whole.
 */
const NEAR_ON_CITUS = `     near as (
       select t.citizen as changed, k.citizen_id, count(*) as shared from citizen_blocking_keys k join t on k.rule = t.rule and k.key = t.key
        where k.citizen_id <> t.citizen group by t.citizen, k.citizen_id having ${ENOUGH}),
`;

/**
 * One query for all of a transaction's changes. Each record in reach is counted once, for the
 * change it shares most keys with: waiting unlinked or in an open review case (by their key
 * tables; only for the changed citizens in `heldFor`), and linked to another citizen who
 * shares enough keys with a changed one (by that citizen's keys), sorted into steward-held,
 * unstored, the holder of its own personal ID (not in reach: no other citizen can hold it; but a
 * placeholder a loaded citizen holds, an ID without a province code, settles nothing) and
 * candidates; a record an earlier step of the transaction sent back is not in reach again (it
 * would be sent twice). The citizens who share enough keys with a changed one are found through
 * its blocking keys, and only then asked, by a look-up of their own row under each value, whether
 * they share its name-frequency values too (`near_by_rules`, then `near`): a name-frequency key is
 * held by every namesake, thousands for a common name and more as the register grows, and joining
 * it whole was nine rows in ten of the query's work (docs/BENCHMARKS.md, session 49). A citizen
 * sharing no blocking key can reach two shared keys only by two name-frequency values; with
 * settings of one such feature no changed citizen has two, and they are never joined whole. Only
 * the candidates picked are read whole, fairest first, at most twice the room the transaction has
 * left under `maxRecords` (some linked ones prove out of reach on their own keys,
 * plan/reexamination.ts):
 * - least recently re-examined first (never before first): repeated changes of a common name go
 *   round everything in reach instead of sending the same records each time, so none waits for
 *   good behind others;
 * - then waiting and reviewed records before linked ones: they are the likeliest to link now;
 * - then those sharing the most keys with the changed citizen: the closest first;
 * - then by record, so the same inputs pick the same records.
 */
function reachQuery(near: string): string {
  return `with t as (select * from unnest($1::text[], $2::text[], $3::text[]) as t(rule, key, citizen)),
     sent_ids as (select coalesce(nullif(current_setting('${SENT_OBSERVATIONS_IN_TRANSACTION}', true), ''), '[]')::jsonb as ids),
     near_held as (
       select k.observation_id, t.citizen, count(*) as shared, 'unlinked_records' as tbl from unlinked_keys k join t on k.rule = t.rule and k.key = t.key
        where t.citizen = any($4::text[]) group by k.observation_id, t.citizen having ${ENOUGH}
       union all
       select k.observation_id, t.citizen, count(*), 'review_cases' from review_case_keys k join t on k.rule = t.rule and k.key = t.key
        where t.citizen = any($4::text[]) group by k.observation_id, t.citizen having ${ENOUGH}),
     held as (
       select distinct on (h.observation_id) h.citizen as changed, h.tbl, h.observation_id as id, null::text as source, null::text as source_system, null::text as holder, h.shared,
              'candidate' as kind,
              (select max(r.at) from ${SETTINGS_RELINKS.name} s join ${REGISTER_REEXAMINATIONS.name} r on r.id = s.reexamination_id
                where s.observation_id = h.observation_id) as last_reexamined
         from near_held h
        where ((h.tbl = 'unlinked_records' and exists (select 1 from unlinked_records u where u.observation_id = h.observation_id and u.resolved_at is null))
           or (h.tbl = 'review_cases' and exists (select 1 from review_cases c where c.observation_id = h.observation_id and c.status = 'OPEN')))
          and not ((select ids from sent_ids) ? h.observation_id)
        order by h.observation_id, h.shared desc, h.citizen),
${near}     linked as (
       select distinct on (l.source, l.source_system, l.source_record_id) n.changed, 'record_links' as tbl, l.source_record_id as id, l.source, l.source_system, l.citizen_id as holder, n.shared,
              case when l.method = 'STEWARD' then 'steward' when l.observation is null then 'unstored' else 'candidate' end as kind, l.reexamined_at as last_reexamined
         from near n join record_links l on l.citizen_id = n.citizen_id join citizens c on c.citizen_id = n.citizen_id
        where (l.method = 'STEWARD' or l.observation is null or c.personal_id is null or (l.observation->'person'->>'personal_id') is distinct from c.personal_id
               or left(c.personal_id, 3) <> all($7::text[]))
          and not ((select ids from sent_ids) ? coalesce(l.observation->>'observation_id', ''))
        order by l.source, l.source_system, l.source_record_id, n.shared desc, n.changed),
     reach as (select * from held union all select * from linked),
     sent as (select coalesce(nullif(current_setting('${SENT_IN_TRANSACTION}', true), ''), '0')::int as n),
     picked as (
       select *, row_number() over (order by last_reexamined asc nulls first, tbl <> 'record_links' desc, shared desc, id, source, source_system) as ord
         from reach where kind = 'candidate'
        order by ord limit 2 * greatest(0, $6::int - (select n from sent)))
     select false as pick, changed, count(*) filter (where kind = 'candidate' and tbl <> 'record_links')::int as held,
            count(*) filter (where kind = 'candidate' and tbl = 'record_links')::int as linked, count(*) filter (where kind = 'steward')::int as steward_held,
            count(*) filter (where kind = 'unstored')::int as unstored, null as tbl, null::jsonb as observation, null::text as holder, (select n from sent) as sent_before, 0::bigint as ord
       from reach group by changed
     union all
     select true, p.changed, 0, 0, 0, 0, p.tbl, coalesce(u.observation, c.observation, l.observation), p.holder, (select n from sent), p.ord
       from picked p
       left join unlinked_records u on p.tbl = 'unlinked_records' and u.observation_id = p.id
       left join review_cases c on p.tbl = 'review_cases' and c.observation_id = p.id
       left join record_links l on p.tbl = 'record_links' and l.source = p.source and l.source_system = p.source_system and l.source_record_id = p.id
     union all
     select false, null, 0, 0, 0, 0, null, null, null, (select n from sent), 0
     order by pick, ord`;
}

export const REACH_QUERY = reachQuery(NEAR);
const REACH_QUERY_ON_CITUS = reachQuery(NEAR_ON_CITUS);

/** The reach query's parameters: the changes' keys row by row, and what it compares them with. */
export function reachParameters(settings: LinkageSettings, changes: readonly KeyedChange[], heldFor: ReadonlySet<string>, maxRecords: number): unknown[] {
  const keys = changes.flatMap((c) => c.keys.map((k) => ({ ...k, citizen: c.citizenId })));
  return [keys.map((k) => k.rule), keys.map((k) => k.key), keys.map((k) => k.citizen), [...heldFor], idRules(settings), maxRecords, PROVINCE_CODES];
}

/** What the database finds in reach of a transaction's changes (REACH_QUERY; on Citus, REACH_QUERY_ON_CITUS). */
export async function reexaminationReach(
  client: PoolClient,
  settings: LinkageSettings,
  changes: readonly KeyedChange[],
  heldFor: ReadonlySet<string>,
  maxRecords: number,
): Promise<ReexaminationReach> {
  if (!changes.some((change) => change.keys.length > 0)) return { counts: [], picked: [], sentBefore: 0 };
  const { rows } = await client.query<{
    pick: boolean;
    changed: string | null;
    held: number;
    linked: number;
    steward_held: number;
    unstored: number;
    tbl: PickedRecord['table'] | null;
    observation: PersonObservation | null;
    holder: string | null;
    sent_before: number;
  }>({
    // Named: prepared once per connection, so its many parts are not planned again for every transaction.
    ...((await onCitus(client))
      ? { name: 'dancu-reexamination-reach-citus', text: REACH_QUERY_ON_CITUS }
      : { name: 'dancu-reexamination-reach', text: REACH_QUERY }),
    values: reachParameters(settings, changes, heldFor, maxRecords),
  });
  return {
    counts: rows
      .filter((row) => !row.pick && row.changed !== null)
      .map((row) => ({ changed: row.changed!, held: row.held, linked: row.linked, stewardHeld: row.steward_held, unstored: row.unstored })),
    picked: rows
      .filter((row) => row.pick && row.observation)
      .map((row) => ({ changed: row.changed!, table: row.tbl!, observation: row.observation!, ...(row.holder ? { linkedTo: row.holder } : {}) })),
    sentBefore: rows[0]?.sent_before ?? 0,
  };
}
