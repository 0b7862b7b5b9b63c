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
  jsonRows,
  OBSERVATION_OUTCOMES,
  OUTBOX,
  QUALITY_FINDINGS,
  RECORD_LINKS,
  REVIEW_CASE_KEYS,
  REVIEW_CASES,
  UNLINKED_KEYS,
  UNLINKED_RECORDS,
} from './decision-tables.js';
import type { PlannedRows } from './plan/planned-rows.js';

type Part = keyof PlannedRows | 'keyInsert';

const SOURCE_RECORD = ['source', 'source_system', 'source_record_id'] as const;
const sameSourceRecord = (alias: string) => SOURCE_RECORD.map((c) => `${alias}.${c} = x.${c}`).join(' and ');

/**
 * One statement per table, in the order they run as parts of the one statement the chunk sends.
 * The parts share a snapshot and none sees another's rows, which is why the plan folds the rows
 * of one key into one and never updates a row from two parts.
 */
const STATEMENTS: Record<Part, string> = {
  citizensCreated: `${insertFromJson(CITIZENS, [...CITIZEN_ROW_COLUMNS, 'origin'])} on conflict do nothing returning citizen_id`,
  citizens: `update citizens c set ${CITIZENS.assignments(CITIZEN_UPDATED_COLUMNS, 'x')}, updated_at = now(), version = c.version + 1
       from ${jsonRows(CITIZENS, ['citizen_id', ...CITIZEN_UPDATED_COLUMNS])} where c.citizen_id = x.citizen_id`,
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
       do update set ${RECORD_LINKS.assignments(['citizen_id', 'decision_id', 'method', 'score', 'settings_version', 'reason', 'evidence'], 'excluded')}, linked_at = now()`,
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
  reviewCases: `${insertFromJson(REVIEW_CASES, REVIEW_CASES.columns)}
       on conflict (observation_id) do update set ${REVIEW_CASES.assignments(['decision_id', 'reason', 'observation', 'candidates', 'explanation', 'settings_version'], 'excluded')},
         rechecks = greatest(review_cases.rechecks, excluded.rechecks)
       where review_cases.status = 'OPEN'`,
  reviewKeys: `${insertFromJson(REVIEW_CASE_KEYS, REVIEW_CASE_KEYS.columns)} on conflict do nothing`,
  // A record kept waiting for its person (again, at a later attempt: the highest attempt counts).
  unlinked: `${insertFromJson(UNLINKED_RECORDS, ['observation_id', ...SOURCE_RECORD, 'event_type', 'observation', 'decision_id', 'reason', 'attempt'])}
       on conflict (observation_id) do update set attempt = greatest(unlinked_records.attempt, excluded.attempt), decision_id = excluded.decision_id, updated_at = now()
       where unlinked_records.resolved_at is null`,
  unlinkedKeys: `${insertFromJson(UNLINKED_KEYS, UNLINKED_KEYS.columns)} on conflict do nothing`,
  resolutions: `update unlinked_records u set resolved_at = now(), resolution = x.resolution, resolved_citizen_id = x.citizen_id, updated_at = now()
       from ${jsonRows(UNLINKED_RECORDS, ['observation_id', 'resolution'], 'citizen_id text')} where u.observation_id = x.observation_id and u.resolved_at is null`,
  resolvedKeys: `delete from unlinked_keys k using ${jsonRows(UNLINKED_KEYS, ['observation_id'])} where k.observation_id = x.observation_id`,
  // A record linked, made a citizen or deleted at a later attempt: the open review case an earlier attempt opened is closed by the pipeline; one a steward holds is never touched here.
  reviewsClosed: `update review_cases r set status = 'DECIDED', decided_by = 'pipeline:linker', decided_at = now(), resolution = x.resolution
       from ${jsonRows(REVIEW_CASES, ['observation_id'], 'resolution text')} where r.observation_id = x.observation_id and r.status = 'OPEN'`,
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
  'unlinkedSentBack',
  'reviewsSentBack',
  'audit',
  'outbox',
];

/**
 * Every table's statement as one statement of fixed text, so it is prepared once per connection
 * (planning a dozen CTEs cost more than running them): part i reads its rows from parameter i+1,
 * and a table with nothing to write gets an empty array and costs next to nothing. It returns
 * how many citizens it registered.
 */
const TEXT = `with ${ORDER.map((part, index) => {
  const sql = STATEMENTS[part].replace(/\$1\b/g, `$${index + 1}`);
  return part === 'citizensCreated' ? `created as (${sql})` : `w${index} as (${sql} returning 1)`;
}).join(',\n')}
select count(*)::int as created from created`;

/** How the chunk's writes went, for the bench and the cost budget. */
export interface WriteStats {
  statements: number;
  rows: number;
}

/**
 * Writes a plan: all its tables in one round trip. A citizen the plan registers that another
 * transaction registered meanwhile (same personal ID, committed after this one read the
 * register) makes the whole chunk fail, retriably: applied again, it links to that citizen.
 */
export async function writePlan(client: PoolClient, rows: PlannedRows): Promise<WriteStats> {
  const count = ORDER.reduce((sum, part) => sum + (part === 'keyInsert' ? 0 : rows[part].size), 0);
  if (count === 0) return { statements: 0, rows: 0 };
  const values = ORDER.map((part) => JSON.stringify(rows[part === 'keyInsert' ? 'blockingKeys' : part].values()));
  const { rows: result } = await client.query<{ created: number }>({ name: 'dancu-decision-write', text: TEXT, values });
  if ((result[0]?.created ?? 0) < rows.citizensCreated.size)
    throw new DancuError('CITIZEN_REGISTERED_MEANWHILE', 'a citizen this chunk registers was registered by another transaction meanwhile', {
      retriable: true,
    });
  return { statements: 1, rows: count };
}
