import { DancuError } from '../errors.js';
import { CITIZEN_ROW_COLUMNS, CITIZEN_UPDATED_COLUMNS, CITIZENS } from './citizens-table.js';
import type { PoolClient } from './db.js';
import {
  AUDIT_LOG,
  CITIZEN_BLOCKING_KEYS,
  CITIZEN_FACTS,
  EPOCH_MS,
  FIELD_PROVENANCE,
  insertFromJson,
  type InputColumn,
  jsonRows,
  OBSERVATION_OUTCOMES,
  OUTBOX,
  PIPELINE_DECIDER,
  QUALITY_FINDINGS,
  RECORD_DELETIONS,
  RECORD_LINKS,
  REVIEW_CASE_KEYS,
  REVIEW_CASES,
  UNLINKED_KEYS,
  UNLINKED_RECORDS,
} from './decision-tables.js';
import { LINKED_RECORD_CONTRADICTED } from '../register/observation-verdict.js';
import type { PlannedRows } from './plan/planned-rows.js';
import { personalIdHeldTwice } from './personal-id-check.js';
import { onCitus } from './store-dialect.js';

type Part = keyof PlannedRows | 'keyInsert';

const SOURCE_RECORD = ['source', 'source_system', 'source_record_id'] as const;
const sameSourceRecord = (alias: string) => SOURCE_RECORD.map((c) => `${alias}.${c} = x.${c}`).join(' and ');

/** A case row written open, or closed by the pipeline when the plan gives its resolution. */
const CASE_CLOSING: Partial<Record<(typeof REVIEW_CASES.columns)[number], InputColumn>> = {
  status: { type: 'text', expr: "case when x.resolution is null then 'OPEN' else 'DECIDED' end" },
  decided_by: { type: 'text', expr: `case when x.resolution is not null then '${PIPELINE_DECIDER}' end` },
  decided_at: { type: 'text', expr: 'case when x.resolution is not null then now() end' },
};

/**
 * One statement per table, in the order they run as parts of the one statement the chunk sends.
 * The parts share a snapshot and none sees another's rows, which is why the plan folds the rows
 * of one key into one and never updates a row from two parts.
 */
const STATEMENTS: Record<Part, string> = {
  citizensCreated: `${insertFromJson(CITIZENS, [...CITIZEN_ROW_COLUMNS, 'address_features', 'origin'])} on conflict do nothing returning citizen_id`,
  citizens: `update citizens c set ${CITIZENS.assignments([...CITIZEN_UPDATED_COLUMNS, 'address_features'], 'x')}, updated_at = now(), version = c.version + 1
       from ${jsonRows(CITIZENS, ['citizen_id', ...CITIZEN_UPDATED_COLUMNS, 'address_features'])} where c.citizen_id = x.citizen_id`,
  // A changed citizen's keys rewritten: keys no longer theirs deleted (this part), new ones added (keyInsert); both read the same rows.
  blockingKeys: `delete from citizen_blocking_keys b
      where b.citizen_id in (select citizen_id from ${jsonRows(CITIZEN_BLOCKING_KEYS, ['citizen_id'])})
        and not exists (select 1 from ${jsonRows(CITIZEN_BLOCKING_KEYS, ['citizen_id', 'rule', 'key'])}
                         where x.citizen_id = b.citizen_id and x.rule = b.rule and x.key = b.key)`,
  keyInsert: `${insertFromJson(CITIZEN_BLOCKING_KEYS, CITIZEN_BLOCKING_KEYS.columns)} where x.rule is not null on conflict do nothing`,
  provenanceFlags: `update field_provenance p set is_current = x.is_current, rule = x.rule
       from ${jsonRows(FIELD_PROVENANCE, ['citizen_id', 'field', 'observation_id', 'source', 'is_current', 'rule'])}
      where p.citizen_id = x.citizen_id and p.field = x.field and p.observation_id = x.observation_id and p.source = x.source`,
  provenance: insertFromJson(FIELD_PROVENANCE, FIELD_PROVENANCE.columns, { input: { event_time: EPOCH_MS } }),
  links: `${insertFromJson(RECORD_LINKS, RECORD_LINKS.columns)}
       on conflict (source, source_system, source_record_id)
       do update set ${RECORD_LINKS.assignments(['citizen_id', 'decision_id', 'method', 'score', 'settings_version', 'reason', 'evidence', 'observation'], 'excluded')}, linked_at = now()`,
  linkDeletes: `delete from record_links l using ${jsonRows(RECORD_LINKS, SOURCE_RECORD)} where ${sameSourceRecord('l')}`,
  recordFactWithdrawals: `update citizen_facts f set withdrawn_at = now() from ${jsonRows(CITIZEN_FACTS, SOURCE_RECORD)}
      where ${sameSourceRecord('f')} and f.withdrawn_at is null`,
  factWithdrawals: `update citizen_facts f set withdrawn_at = now() from ${jsonRows(CITIZEN_FACTS, [...SOURCE_RECORD, 'kind'], 'event_time double precision')}
      where ${sameSourceRecord('f')} and f.kind = x.kind and f.withdrawn_at is null and f.event_time <= to_timestamp(x.event_time / 1000.0)`,
  facts: `${insertFromJson(CITIZEN_FACTS, CITIZEN_FACTS.columns, {
    input: { event_time: EPOCH_MS, withdrawn_at: { type: 'timestamptz', expr: 'case when x.withdrawn then now() end' } },
    extra: 'withdrawn boolean',
  })} on conflict (observation_id) do nothing`,
  findings: `${insertFromJson(QUALITY_FINDINGS, QUALITY_FINDINGS.columns)}
       on conflict (observation_id, code, field) do update set citizen_id = coalesce(excluded.citizen_id, quality_findings.citizen_id)`,
  outcomes: `${insertFromJson(OBSERVATION_OUTCOMES, OBSERVATION_OUTCOMES.columns)} on conflict (decision_id) do nothing`,
  // An open case is refreshed; one the pipeline closed is opened again (the plan asks so only when new settings doubt the
  // link it left); one a steward holds or decided is never touched here. A case a later decision of the chunk closes is
  // written closed (plan-decisions.ts, closeRecordCases, resolveUnlinked): recordCasesClosed and reviewsClosed do not see the rows of this part.
  reviewCases: `${insertFromJson(REVIEW_CASES, REVIEW_CASES.columns, { input: CASE_CLOSING })}
       on conflict (observation_id) do update set ${REVIEW_CASES.assignments(
         ['decision_id', 'reason', 'observation', 'candidates', 'explanation', 'settings_version', 'status', 'decided_by', 'decided_at', 'resolution'],
         'excluded',
       )}, rechecks = greatest(review_cases.rechecks, excluded.rechecks)
       where review_cases.status = 'OPEN' or (review_cases.status = 'DECIDED' and review_cases.decided_by = '${PIPELINE_DECIDER}')`,
  reviewKeys: `${insertFromJson(REVIEW_CASE_KEYS, REVIEW_CASE_KEYS.columns)} on conflict do nothing`,
  // A record kept waiting for its person (again, at a later attempt: the highest attempt counts). One that a later decision
  // of the chunk links, sends to review or deletes the record of is written resolved (plan-decisions.ts, resolveUnlinked,
  // recordDeleted): resolutions does not see this part's rows.
  unlinked: `${insertFromJson(
    UNLINKED_RECORDS,
    ['observation_id', ...SOURCE_RECORD, 'event_type', 'observation', 'decision_id', 'reason', 'attempt', 'resolution', 'resolved_at', 'resolved_citizen_id'],
    { input: { resolved_at: { type: 'text', expr: 'case when x.resolution is not null then now() end' } } },
  )}
       on conflict (observation_id) do update set attempt = greatest(unlinked_records.attempt, excluded.attempt), decision_id = excluded.decision_id, updated_at = now(),
         resolution = excluded.resolution, resolved_at = excluded.resolved_at, resolved_citizen_id = excluded.resolved_citizen_id
       where unlinked_records.resolved_at is null`,
  unlinkedKeys: `${insertFromJson(UNLINKED_KEYS, UNLINKED_KEYS.columns)} on conflict do nothing`,
  resolutions: `update unlinked_records u set resolved_at = now(), resolution = x.resolution, resolved_citizen_id = x.citizen_id, updated_at = now()
       from ${jsonRows(UNLINKED_RECORDS, ['observation_id', 'resolution'], 'citizen_id text')} where u.observation_id = x.observation_id and u.resolved_at is null`,
  resolvedKeys: `delete from unlinked_keys k using ${jsonRows(UNLINKED_KEYS, ['observation_id'])} where k.observation_id = x.observation_id`,
  // A record linked, made a citizen or deleted at a later attempt: the open review case an earlier attempt opened is closed by the pipeline; one a steward holds is never touched here.
  reviewsClosed: `update review_cases r set status = 'DECIDED', decided_by = '${PIPELINE_DECIDER}', decided_at = now(), resolution = x.resolution
       from ${jsonRows(REVIEW_CASES, ['observation_id'], 'resolution text')} where r.observation_id = x.observation_id and r.status = 'OPEN'`,
  // One case a record about a later event of it waiting, and none left open of a record deleted at its source
  // (plan-decisions.ts, closeRecordCases); found among the open cases by their source record (migration 026).
  recordCasesClosed: `update review_cases r set status = 'DECIDED', decided_by = '${PIPELINE_DECIDER}', decided_at = now(), resolution = x.resolution
       from ${jsonRows(REVIEW_CASES, ['observation_id', 'source'], 'source_system text, source_record_id text, event_time double precision, resolution text, spared jsonb')}
      where r.status = 'OPEN' and (x.resolution = 'DELETED' or r.reason = '${LINKED_RECORD_CONTRADICTED}') and r.source = x.source
        and r.observation->>'source_system' = x.source_system and r.observation->>'source_record_id' = x.source_record_id
        and r.observation_id <> x.observation_id and not (x.spared ? r.observation_id)
        and (r.observation->>'event_time')::double precision <= x.event_time`,
  // Every deletion received, however decided: the register's only trace of it once its link is gone (migration 027).
  recordDeletions: `${insertFromJson(RECORD_DELETIONS, RECORD_DELETIONS.columns)} on conflict (observation_id) do nothing`,
  unlinkedSentBack: `update unlinked_records u set attempt = greatest(u.attempt, x.attempt), updated_at = now()
       from ${jsonRows(UNLINKED_RECORDS, ['observation_id', 'attempt'])} where u.observation_id = x.observation_id`,
  reviewsSentBack: `update review_cases r set rechecks = greatest(r.rechecks, x.attempt)
       from ${jsonRows(REVIEW_CASES, ['observation_id'], 'attempt integer')} where r.observation_id = x.observation_id`,
  audit: insertFromJson(AUDIT_LOG, AUDIT_LOG.columns),
  outbox: `${insertFromJson(OUTBOX, OUTBOX.columns)} on conflict (event_id) do nothing`,
};

const ORDER: readonly Part[] = [
  'citizensCreated',
  'citizens',
  'blockingKeys',
  'keyInsert',
  'provenanceFlags',
  'provenance',
  'linkDeletes',
  'links',
  'recordFactWithdrawals',
  'factWithdrawals',
  'facts',
  'findings',
  'outcomes',
  'reviewCases',
  'reviewKeys',
  'unlinked',
  'unlinkedKeys',
  'resolutions',
  'resolvedKeys',
  'reviewsClosed',
  'recordCasesClosed',
  'recordDeletions',
  'unlinkedSentBack',
  'reviewsSentBack',
  'audit',
  'outbox',
];

/** The statement's parameters: the rows each sends, in order, and the parameter each part reads. */
interface Parameters {
  rows: (keyof PlannedRows)[];
  numberOf: Map<CitusPart, number>;
}

/**
 * One parameter per set of rows: a part that writes another part's rows (ROWS_OF) reads that
 * part's parameter, so the changed citizens' keys are sent once for their delete and their insert.
 */
function parametersOf(order: readonly CitusPart[]): Parameters {
  const rows: (keyof PlannedRows)[] = [];
  const numberOf = new Map<CitusPart, number>();
  for (const part of order) {
    const own = ROWS_OF[part] ?? (part as keyof PlannedRows);
    if (!rows.includes(own)) rows.push(own);
    numberOf.set(part, rows.indexOf(own) + 1);
  }
  return { rows, numberOf };
}

/**
 * Every table's statement as one statement of fixed text, so it is prepared once per connection
 * (planning a dozen CTEs cost more than running them): each part reads its rows from its
 * parameter (parametersOf), and a table with nothing to write gets an empty array and costs next
 * to nothing. It returns how many citizens it registered.
 */
function statementText(order: readonly CitusPart[], statements: Record<CitusPart, string>, { numberOf }: Parameters, materialise: boolean): string {
  const inputs: string[] = [];
  const parts = order.map((part, index) => {
    let sql = statements[part].replace(/\$1\b/g, `$${numberOf.get(part)!}`);
    if (materialise) {
      // Citus plans a function in FROM only on one shard: each part's rows become a CTE first (an intermediate result it can send to every shard).
      sql = sql.replace(/jsonb_to_recordset\((\$\d+)::jsonb\) as x\(([^()]*)\)/g, (_match, parameter: string, record: string) => {
        const name = `in${index}_${inputs.length}`;
        inputs.push(`${name} as materialized (select * from jsonb_to_recordset(${parameter}::jsonb) as x(${record}))`);
        return `${name} as x`;
      });
      if (sql.includes('jsonb_to_recordset(')) throw new Error(`decision-write: the rows of part ${part} could not be made a CTE`);
    }
    return part === 'citizensCreated' ? `created as (${sql})` : `w${index} as (${sql} returning 1)`;
  });
  return `with ${[...inputs, ...parts].join(',\n')}
select count(*)::int as created from created`;
}

/** The rows a part writes: its own, or another part's (the keys inserted are the keys kept; the links moved are the links written). */
const ROWS_OF: Partial<Record<CitusPart, keyof PlannedRows>> = { keyInsert: 'blockingKeys', linksMoved: 'links' };

const PARAMETERS = parametersOf(ORDER);
const TEXT = statementText(ORDER, { ...STATEMENTS, linksMoved: '' }, PARAMETERS, false);

/**
 * On Citus (the citizen's tables distributed by citizen_id, citus/distribute.sql) a few parts say
 * it differently: a unique key holds the distribution column there, and the distribution column
 * is never updated. A source record linked to another citizen has its old link deleted
 * (linksMoved) and the new one inserted, where one PostgreSQL updates the row in place.
 */
type CitusPart = Part | 'linksMoved';
// linked_at from the inserted row (its default, now()): Citus refuses a function in DO UPDATE SET.
const LINK_COLUMNS = ['decision_id', 'method', 'score', 'settings_version', 'reason', 'evidence', 'observation'] as const;
const CITUS_STATEMENTS: Record<CitusPart, string> = {
  ...STATEMENTS,
  linksMoved: `delete from record_links l using ${jsonRows(RECORD_LINKS, [...SOURCE_RECORD, 'citizen_id'])}
      where ${sameSourceRecord('l')} and l.citizen_id <> x.citizen_id`,
  links: `${insertFromJson(RECORD_LINKS, RECORD_LINKS.columns)}
       on conflict (citizen_id, source, source_system, source_record_id)
       do update set ${RECORD_LINKS.assignments([...LINK_COLUMNS], 'excluded')}, linked_at = excluded.linked_at`,
  facts: STATEMENTS.facts.replace('on conflict (observation_id) do nothing', 'on conflict do nothing'),
};
const CITUS_ORDER: readonly CitusPart[] = ORDER.flatMap((part) => (part === 'links' ? (['linksMoved', 'links'] as const) : [part]));
const CITUS_PARAMETERS = parametersOf(CITUS_ORDER);
const CITUS_TEXT = statementText(CITUS_ORDER, CITUS_STATEMENTS, CITUS_PARAMETERS, true);

/** How the chunk's writes went, for the bench and the cost budget. */
export interface WriteStats {
  statements: number;
  rows: number;
}

/**
 * Writes a plan: all its tables in one round trip. A citizen the plan registers that another
 * transaction registered meanwhile (same personal ID, committed after this one read the
 * register) makes the whole chunk fail, retriably: applied again, it links to that citizen. On
 * Citus, where the database no longer refuses a second citizen with the same personal ID, the
 * check is the store's (personal-id-check.ts).
 */
export async function writePlan(client: PoolClient, rows: PlannedRows): Promise<WriteStats> {
  const count = ORDER.reduce((sum, part) => sum + (part === 'keyInsert' ? 0 : rows[part].size), 0);
  if (count === 0) return { statements: 0, rows: 0 };
  const citus = await onCitus(client);
  const values = (citus ? CITUS_PARAMETERS : PARAMETERS).rows.map((own) => JSON.stringify(rows[own].values()));
  const { rows: result } = await client.query<{ created: number }>(
    citus ? { name: 'dancu-decision-write-citus', text: CITUS_TEXT, values } : { name: 'dancu-decision-write', text: TEXT, values },
  );
  const created = rows.citizensCreated.values();
  const personalIds = created.flatMap((row) => (row.personal_id ? [row.personal_id] : []));
  if ((result[0]?.created ?? 0) < created.length || (citus && (await personalIdHeldTwice(client, personalIds))))
    throw new DancuError('CITIZEN_REGISTERED_MEANWHILE', 'a citizen this chunk registers was registered by another transaction meanwhile', {
      retriable: true,
    });
  return { statements: 1, rows: count };
}
