import type { CitizenRow } from '../register/citizen-row.js';
import { CITIZEN_UPDATED_COLUMNS, CITIZENS } from './citizens-table.js';
import { combine } from './statements.js';
import { WriteBuffer } from './write-buffer.js';

export interface ProvenanceInsert {
  citizen_id: string;
  field: string;
  value: string;
  source: string;
  source_system: string;
  source_record_id: string;
  observation_id: string;
  event_time: number;
  applied_at: string;
  rule: string;
  is_current: boolean;
}

export interface FindingRow {
  observation_id: string;
  source: string;
  code: string;
  field: string;
  message: string;
  citizen_id: string | null;
  stage: 'ingest' | 'store';
}

export interface FactRow {
  citizen_id: string;
  kind: string;
  fact_date: string | null;
  details: Record<string, string>;
  source: string;
  source_system: string;
  source_record_id: string;
  observation_id: string;
  event_time: number;
  withdrawn: boolean;
}

/**
 * Every table a chunk of decisions writes to, each as one buffer written by one set-based
 * statement: the store pays per round trip far more than per row, so a chunk of hundreds of
 * decisions costs a handful of statements instead of a dozen per decision.
 */
export function createRegisterWrites() {
  return {
    citizens: new WriteBuffer<CitizenRow>(
      `update citizens c set ${CITIZENS.assignments(CITIZEN_UPDATED_COLUMNS, 'x')}, updated_at = now(), version = c.version + 1
         from jsonb_to_recordset($1::jsonb) as x(${CITIZENS.recordType(['citizen_id', ...CITIZEN_UPDATED_COLUMNS])}) where c.citizen_id = x.citizen_id`,
      (row) => row.citizen_id,
    ),
    provenance: new WriteBuffer<ProvenanceInsert>(
      `insert into field_provenance (citizen_id, field, value, source, source_system, source_record_id, observation_id, event_time, applied_at, rule, is_current)
       select citizen_id, field, value, source, source_system, source_record_id, observation_id, to_timestamp(event_time / 1000.0), applied_at, rule, is_current
         from jsonb_to_recordset($1::jsonb) as x(citizen_id text, field text, value text, source text, source_system text, source_record_id text,
              observation_id text, event_time double precision, applied_at timestamptz, rule text, is_current boolean)`,
    ),
    // A history row is one observation's claim on one field: (citizen, field, observation, source) names it.
    provenanceFlags: new WriteBuffer<{ citizen_id: string; field: string; observation_id: string; source: string; is_current: boolean; rule: string }>(
      `update field_provenance p set is_current = x.is_current, rule = x.rule
         from jsonb_to_recordset($1::jsonb) as x(citizen_id text, field text, observation_id text, source text, is_current boolean, rule text)
        where p.citizen_id = x.citizen_id and p.field = x.field and p.observation_id = x.observation_id and p.source = x.source`,
      (row) => `${row.citizen_id}\u0000${row.field}\u0000${row.observation_id}\u0000${row.source}`,
    ),
    links: new WriteBuffer<{
      source: string;
      source_system: string;
      source_record_id: string;
      citizen_id: string;
      decision_id: string;
      method: string;
      score: number;
      settings_version: string | null;
      reason: string;
      evidence: unknown;
    }>(
      `insert into record_links (source, source_system, source_record_id, citizen_id, decision_id, method, score, settings_version, reason, evidence)
       select source, source_system, source_record_id, citizen_id, decision_id, method, score, settings_version, reason, evidence
         from jsonb_to_recordset($1::jsonb) as x(source text, source_system text, source_record_id text, citizen_id text, decision_id text, method text, score double precision,
                                                 settings_version text, reason text, evidence jsonb)
       on conflict (source, source_system, source_record_id)
       do update set citizen_id = excluded.citizen_id, decision_id = excluded.decision_id, method = excluded.method, score = excluded.score,
         settings_version = excluded.settings_version, reason = excluded.reason, evidence = excluded.evidence, linked_at = now()`,
      (row) => `${row.source}\u0000${row.source_system}\u0000${row.source_record_id}`,
    ),
    factWithdrawals: new WriteBuffer<{ source: string; source_system: string; source_record_id: string; kind: string; event_time: number }>(
      `update citizen_facts f set withdrawn_at = now()
         from jsonb_to_recordset($1::jsonb) as x(source text, source_system text, source_record_id text, kind text, event_time double precision)
        where f.source = x.source and f.source_system = x.source_system and f.source_record_id = x.source_record_id and f.kind = x.kind
          and f.withdrawn_at is null and f.event_time <= to_timestamp(x.event_time / 1000.0)`,
    ),
    facts: new WriteBuffer<FactRow>(
      `insert into citizen_facts (citizen_id, kind, fact_date, details, source, source_system, source_record_id, observation_id, event_time, withdrawn_at)
       select citizen_id, kind, fact_date, details, source, source_system, source_record_id, observation_id, to_timestamp(event_time / 1000.0),
              case when withdrawn then now() end
         from jsonb_to_recordset($1::jsonb) as x(citizen_id text, kind text, fact_date text, details jsonb, source text, source_system text,
              source_record_id text, observation_id text, event_time double precision, withdrawn boolean)
       on conflict (observation_id) do nothing`,
      (row) => row.observation_id,
      (earlier) => earlier,
    ),
    findings: new WriteBuffer<FindingRow>(
      `insert into quality_findings (observation_id, source, code, field, message, citizen_id, stage)
       select observation_id, source, code, field, message, citizen_id, stage
         from jsonb_to_recordset($1::jsonb) as x(observation_id text, source text, code text, field text, message text, citizen_id text, stage text)
       on conflict (observation_id, code, field) do update set citizen_id = coalesce(excluded.citizen_id, quality_findings.citizen_id)`,
      (row) => `${row.observation_id}\u0000${row.code}\u0000${row.field}`,
      (earlier, later) => ({ ...earlier, citizen_id: later.citizen_id ?? earlier.citizen_id }),
    ),
    outcomes: new WriteBuffer<{
      decision_id: string;
      observation_id: string;
      source: string;
      event_type: string;
      outcome: string;
      citizen_id: string | null;
      fields_filled: number;
      latency_ms: number | null;
    }>(
      `insert into observation_outcomes (decision_id, observation_id, source, event_type, outcome, citizen_id, fields_filled, latency_ms)
       select decision_id, observation_id, source, event_type, outcome, citizen_id, fields_filled, latency_ms
         from jsonb_to_recordset($1::jsonb) as x(decision_id text, observation_id text, source text, event_type text, outcome text, citizen_id text, fields_filled integer, latency_ms bigint)
       on conflict (decision_id) do nothing`,
      (row) => row.decision_id,
      (earlier) => earlier,
    ),
    reviewCases: new WriteBuffer<{
      observation_id: string;
      decision_id: string;
      reason: string;
      source: string;
      observation: unknown;
      candidates: unknown;
      explanation: unknown;
      settings_version: string | null;
    }>(
      `insert into review_cases (observation_id, decision_id, reason, source, observation, candidates, explanation, settings_version)
       select observation_id, decision_id, reason, source, observation, candidates, explanation, settings_version
         from jsonb_to_recordset($1::jsonb) as x(observation_id text, decision_id text, reason text, source text, observation jsonb, candidates jsonb, explanation jsonb,
                                                 settings_version text)
       on conflict (observation_id) do update set decision_id = excluded.decision_id, reason = excluded.reason, observation = excluded.observation,
         candidates = excluded.candidates, explanation = excluded.explanation, settings_version = excluded.settings_version
       where review_cases.status = 'OPEN'`,
      (row) => row.observation_id,
    ),
    // The keys a record in review is found under when a citizen who may be its person is registered.
    reviewKeys: new WriteBuffer<{ rule: string; key: string; observation_id: string }>(
      `insert into review_case_keys (rule, key, observation_id)
       select rule, key, observation_id from jsonb_to_recordset($1::jsonb) as x(rule text, key text, observation_id text) on conflict do nothing`,
      (row) => `${row.rule}\u0000${row.key}\u0000${row.observation_id}`,
    ),
    audit: new WriteBuffer<{ actor: string; action: string; citizen_id: string | null; details: unknown }>(
      `insert into audit_log (actor, action, citizen_id, details)
       select actor, action, citizen_id, details from jsonb_to_recordset($1::jsonb) as x(actor text, action text, citizen_id text, details jsonb)`,
    ),
    // A record kept waiting for its person (again, at a later attempt: the highest attempt counts).
    unlinked: new WriteBuffer<{
      observation_id: string;
      source: string;
      source_system: string;
      source_record_id: string;
      event_type: string;
      observation: unknown;
      decision_id: string;
      reason: string;
      attempt: number;
    }>(
      `insert into unlinked_records (observation_id, source, source_system, source_record_id, event_type, observation, decision_id, reason, attempt)
       select observation_id, source, source_system, source_record_id, event_type, observation, decision_id, reason, attempt
         from jsonb_to_recordset($1::jsonb) as x(observation_id text, source text, source_system text, source_record_id text, event_type text, observation jsonb, decision_id text, reason text, attempt integer)
       on conflict (observation_id) do update set attempt = greatest(unlinked_records.attempt, excluded.attempt), decision_id = excluded.decision_id, updated_at = now()
       where unlinked_records.resolved_at is null`,
      (row) => row.observation_id,
    ),
    unlinkedKeys: new WriteBuffer<{ rule: string; key: string; observation_id: string }>(
      `insert into unlinked_keys (rule, key, observation_id)
       select rule, key, observation_id from jsonb_to_recordset($1::jsonb) as x(rule text, key text, observation_id text) on conflict do nothing`,
      (row) => `${row.rule}\u0000${row.key}\u0000${row.observation_id}`,
    ),
    // A waiting record linked (or sent to review, or deleted) at a later attempt: no longer waiting.
    resolutions: new WriteBuffer<{ observation_id: string; resolution: 'LINKED' | 'REVIEW' | 'DELETED'; citizen_id: string | null }>(
      `update unlinked_records u set resolved_at = now(), resolution = x.resolution, resolved_citizen_id = x.citizen_id, updated_at = now()
         from jsonb_to_recordset($1::jsonb) as x(observation_id text, resolution text, citizen_id text)
        where u.observation_id = x.observation_id and u.resolved_at is null`,
      (row) => row.observation_id,
    ),
    resolvedKeys: new WriteBuffer<{ observation_id: string }>(
      `delete from unlinked_keys k using jsonb_to_recordset($1::jsonb) as x(observation_id text) where k.observation_id = x.observation_id`,
      (row) => row.observation_id,
    ),
    // A record linked, made a citizen or deleted at a later attempt: the open review case an earlier attempt
    // opened is closed by the pipeline. One a steward holds is never touched here.
    reviewsClosed: new WriteBuffer<{ observation_id: string; resolution: string }>(
      `update review_cases r set status = 'DECIDED', decided_by = 'pipeline:linker', decided_at = now(), resolution = x.resolution
         from jsonb_to_recordset($1::jsonb) as x(observation_id text, resolution text)
        where r.observation_id = x.observation_id and r.status = 'OPEN'`,
      (row) => row.observation_id,
    ),
    outbox: new WriteBuffer<{ event_id: string; topic: string; message_key: string; record_type: string; payload: unknown }>(
      `insert into outbox (event_id, topic, message_key, record_type, payload)
       select event_id, topic, message_key, record_type, payload
         from jsonb_to_recordset($1::jsonb) as x(event_id text, topic text, message_key text, record_type text, payload jsonb)
       on conflict (event_id) do nothing`,
      (row) => row.event_id,
      (earlier) => earlier,
    ),
  };
}

export type RegisterWrites = ReturnType<typeof createRegisterWrites>;

/** A changed citizen's blocking keys, and a row with a null rule for each changed citizen (one may have no keys left). */
export interface KeyRow {
  citizen_id: string;
  rule: string | null;
  key: string | null;
}

/**
 * A changed citizen's keys rewritten: keys no longer theirs deleted, new ones added. Both read the
 * same rows, so they can run as sibling CTEs: the insert only meets the rows the delete keeps.
 */
const KEY_DELETE = `delete from citizen_blocking_keys b
  where b.citizen_id in (select citizen_id from jsonb_to_recordset($1::jsonb) as k(citizen_id text))
    and not exists (select 1 from jsonb_to_recordset($1::jsonb) as k(citizen_id text, rule text, key text)
                     where k.citizen_id = b.citizen_id and k.rule = b.rule and k.key = b.key)`;
const KEY_INSERT = `insert into citizen_blocking_keys (rule, key, citizen_id)
  select rule, key, citizen_id from jsonb_to_recordset($1::jsonb) as k(citizen_id text, rule text, key text) where rule is not null
  on conflict do nothing`;

const ORDER = [
  'citizens',
  'keyDelete',
  'keyInsert',
  'provenanceFlags',
  'provenance',
  'links',
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
  'audit',
  'outbox',
] as const;

/**
 * Every table's rows of a chunk in one statement of fixed text, so it is prepared once per
 * connection: planning a dozen CTEs cost more than running them (20 ms a chunk). A table with
 * nothing to write gets an empty array and costs next to nothing.
 */
export function nothingToWrite(writes: RegisterWrites, keys: KeyRow[]): boolean {
  return keys.length === 0 && Object.values(writes).every((buffer) => buffer.size === 0);
}

export function registerWritesQuery(writes: RegisterWrites, keys: KeyRow[]): { name: string; text: string; values: string[] } {
  const keysJson = JSON.stringify(keys);
  const statements = ORDER.map((part) => {
    if (part === 'keyDelete') return { sql: KEY_DELETE, values: [keysJson] };
    if (part === 'keyInsert') return { sql: KEY_INSERT, values: [keysJson] };
    const buffer = writes[part];
    return { sql: buffer.sql, values: [buffer.take()] };
  });
  const { sql, values } = combine(statements);
  return { name: 'dancu-register-writes', text: sql, values: values as string[] };
}
