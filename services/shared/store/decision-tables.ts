import { defineTable, type SqlType, type Table } from './table.js';

/**
 * The tables a chunk of decisions writes, as descriptors: the columns each statement of
 * decision-write.ts names are derived from these (a column the store writes is declared once).
 * Only the columns the store writes or reads are declared; defaults fill the rest.
 */
export const FIELD_PROVENANCE = defineTable('field_provenance', {
  citizen_id: 'text',
  field: 'text',
  value: 'text',
  source: 'text',
  source_system: 'text',
  source_record_id: 'text',
  observation_id: 'text',
  event_time: 'timestamptz',
  applied_at: 'timestamptz',
  rule: 'text',
  is_current: 'boolean',
});

export const RECORD_LINKS = defineTable('record_links', {
  source: 'text',
  source_system: 'text',
  source_record_id: 'text',
  citizen_id: 'text',
  decision_id: 'text',
  method: 'text',
  score: 'double precision',
  settings_version: 'text',
  reason: 'text',
  evidence: 'jsonb',
  observation: 'jsonb',
});

export const CITIZEN_FACTS = defineTable('citizen_facts', {
  citizen_id: 'text',
  kind: 'text',
  fact_date: 'text',
  details: 'jsonb',
  source: 'text',
  source_system: 'text',
  source_record_id: 'text',
  observation_id: 'text',
  event_time: 'timestamptz',
  withdrawn_at: 'timestamptz',
});

export const QUALITY_FINDINGS = defineTable('quality_findings', {
  observation_id: 'text',
  source: 'text',
  code: 'text',
  field: 'text',
  message: 'text',
  citizen_id: 'text',
  stage: 'text',
});

export const OBSERVATION_OUTCOMES = defineTable('observation_outcomes', {
  decision_id: 'text',
  observation_id: 'text',
  source: 'text',
  event_type: 'text',
  outcome: 'text',
  citizen_id: 'text',
  fields_filled: 'integer',
  latency_ms: 'integer',
});

/**
 * Who a case is decided by when the pipeline closes it (the record linked, made a citizen or
 * deleted at a later attempt): only a steward's decision outlasts later decisions on the record.
 */
export const PIPELINE_DECIDER = 'pipeline:linker';

export const REVIEW_CASES = defineTable('review_cases', {
  observation_id: 'text',
  decision_id: 'text',
  reason: 'text',
  source: 'text',
  observation: 'jsonb',
  candidates: 'jsonb',
  explanation: 'jsonb',
  settings_version: 'text',
  rechecks: 'integer',
  status: 'text',
  decided_by: 'text',
  decided_at: 'timestamptz',
  resolution: 'text',
});

/** A source record's deletion as the store received it (migration 027): the times its latest event is chosen by, nothing of the person. */
export const RECORD_DELETIONS = defineTable('record_deletions', {
  observation_id: 'text',
  source: 'text',
  source_system: 'text',
  source_record_id: 'text',
  event_time: 'double precision',
  ingested_at: 'double precision',
});

export const UNLINKED_RECORDS = defineTable('unlinked_records', {
  observation_id: 'text',
  source: 'text',
  source_system: 'text',
  source_record_id: 'text',
  event_type: 'text',
  observation: 'jsonb',
  decision_id: 'text',
  reason: 'text',
  attempt: 'integer',
  resolution: 'text',
  resolved_citizen_id: 'text',
  resolved_at: 'timestamptz',
});

/** The keys a record waiting unlinked (unlinked_keys) or in review (review_case_keys) is found under. */
const recordKeys = { rule: 'text', key: 'text', observation_id: 'text' } as const;
export const UNLINKED_KEYS = defineTable('unlinked_keys', recordKeys);
export const REVIEW_CASE_KEYS = defineTable('review_case_keys', recordKeys);

export const CITIZEN_BLOCKING_KEYS = defineTable('citizen_blocking_keys', { rule: 'text', key: 'text', citizen_id: 'text' });

export const AUDIT_LOG = defineTable('audit_log', { actor: 'text', action: 'text', citizen_id: 'text', details: 'jsonb' });

export const OUTBOX = defineTable('outbox', { event_id: 'text', topic: 'text', message_key: 'text', record_type: 'text', payload: 'jsonb' });

export const PROCESSED_EVENTS = defineTable('processed_events', { consumer: 'text', event_id: 'text' });

/** Every descriptor of this file (the integration test checks them against the migrations). */
export const DECISION_TABLES: readonly Table<string>[] = [
  FIELD_PROVENANCE,
  RECORD_LINKS,
  CITIZEN_FACTS,
  QUALITY_FINDINGS,
  OBSERVATION_OUTCOMES,
  REVIEW_CASES,
  RECORD_DELETIONS,
  UNLINKED_RECORDS,
  UNLINKED_KEYS,
  REVIEW_CASE_KEYS,
  CITIZEN_BLOCKING_KEYS,
  AUDIT_LOG,
  OUTBOX,
  PROCESSED_EVENTS,
];

/** How a column arrives in the JSON parameter when it is not its table's type: timestamps come as epoch milliseconds. */
export interface InputColumn {
  type: SqlType;
  expr: string;
}

export const EPOCH_MS: InputColumn = { type: 'double precision', expr: 'to_timestamp(x.{c} / 1000.0)' };

/**
 * `insert into t (a, b) select x.a, x.b from jsonb_to_recordset($1::jsonb) as x(a text, b integer)`:
 * the rows of one table from one JSON parameter, columns from the descriptor.
 */
export function insertFromJson<C extends string>(
  table: Table<C>,
  columns: readonly C[],
  options: { input?: Partial<Record<C, InputColumn>>; extra?: string; tail?: string } = {},
): string {
  const input: Partial<Record<C, InputColumn>> = options.input ?? {};
  const select = columns.map((c) => input[c]?.expr.replaceAll('{c}', c) ?? `x.${c}`).join(', ');
  const record = columns.map((c) => `${c} ${input[c]?.type ?? table.typeOf(c)}`).join(', ');
  return `insert into ${table.name} (${table.list(columns)}) select ${select} from jsonb_to_recordset($1::jsonb) as x(${record}${options.extra ? `, ${options.extra}` : ''})${options.tail ? ` ${options.tail}` : ''}`;
}

/** `jsonb_to_recordset($1::jsonb) as x(a text, ...)` for the given columns (the rows an update or delete matches). */
export function jsonRows<C extends string>(table: Table<C>, columns: readonly C[], extra?: string): string {
  return `jsonb_to_recordset($1::jsonb) as x(${table.recordType(columns)}${extra ? `, ${extra}` : ''})`;
}
