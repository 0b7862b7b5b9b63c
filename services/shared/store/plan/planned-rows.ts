import type { CitizenRow } from '../../register/citizen-row.js';
import { RowSet } from './row-set.js';
import type { PersonObservation } from '../../schemas/records.js';

/** A citizen a NEW decision registers, with the values the whole chunk left it with. */
/** A citizen's row as a chunk writes it: with its address's features as stored (linkage/stored-address-features.ts; null without an address). */
export type CitizenWrite = CitizenRow & { address_features: string | null };
export type CitizenInsert = CitizenWrite & { origin: string };

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

export interface SourceRecord {
  source: string;
  source_system: string;
  source_record_id: string;
}

export interface LinkRow extends SourceRecord {
  citizen_id: string;
  decision_id: string;
  method: string;
  score: number;
  settings_version: string | null;
  reason: string;
  evidence: unknown;
  /** The record's latest observation, kept so a change of the register can send it back to the linker (register-reexamination.ts). */
  observation: PersonObservation;
}

export interface OutcomeRow {
  decision_id: string;
  observation_id: string;
  source: string;
  event_type: string;
  outcome: string;
  citizen_id: string | null;
  fields_filled: number;
  latency_ms: number | null;
}

export interface ReviewCaseRow {
  observation_id: string;
  decision_id: string;
  reason: string;
  source: string;
  observation: unknown;
  candidates: unknown;
  explanation: unknown;
  settings_version: string | null;
  /** The attempt its record was last sent back to the linker at (0: not sent back). */
  rechecks: number;
  /** Set when a later decision of the chunk closes the case (plan-decisions.ts, closeRecordCases, resolveUnlinked): it is written closed. */
  resolution?: PipelineCaseResolution;
}

/** A deletion of a source record (record_deletions): the times its record's latest event is chosen by. */
export interface RecordDeletionRow extends SourceRecord {
  observation_id: string;
  event_time: number;
  ingested_at: number;
}

export interface UnlinkedRow extends SourceRecord {
  observation_id: string;
  event_type: string;
  observation: unknown;
  decision_id: string;
  reason: string;
  attempt: number;
  /**
   * Set when a later decision of the chunk deletes its record (plan-decisions.ts, recordDeleted), or decides it at a
   * later attempt (resolveUnlinked): it is written resolved.
   */
  resolution?: 'LINKED' | 'REVIEW' | 'DELETED';
  /** The citizen a later attempt of the chunk linked it to. */
  resolved_citizen_id?: string | null;
}

export interface RecordKeyRow {
  rule: string;
  key: string;
  observation_id: string;
}

export interface OutboxRow {
  event_id: string;
  topic: string;
  message_key: string;
  record_type: string;
  payload: unknown;
}

/** A changed citizen's blocking keys, and a row with a null rule for each changed citizen (one may have no keys left). */
export interface KeyRow {
  citizen_id: string;
  rule: string | null;
  key: string | null;
}

/**
 * How the pipeline closes a review case (decision-write.ts): its record linked, made a citizen or
 * deleted at its source, or a waiting later event's case replaced by a later event's own
 * (SUPERSEDED). The steward UI names each (i18n.js, resolutions and actions).
 */
export const PIPELINE_CASE_RESOLUTIONS = ['LINK', 'NEW', 'DELETED', 'SUPERSEDED'] as const;
export type PipelineCaseResolution = (typeof PIPELINE_CASE_RESOLUTIONS)[number];

/**
 * The open cases of a source record to close, but the one of `observation_id` (the event deciding
 * it) of events no later than `event_time`: its LINKED_RECORD_CONTRADICTED ones, or, on its
 * deletion, all, whatever their reason; none of `spared`, the cases the chunk writes itself (one
 * row is never updated by two parts).
 */
export interface RecordCaseClose extends SourceRecord {
  observation_id: string;
  event_time: number;
  resolution: Exclude<PipelineCaseResolution, 'NEW'>;
  spared: string[];
}

export const recordKey = (row: SourceRecord) => `${row.source}\u0000${row.source_system}\u0000${row.source_record_id}`;
const keepEarlier = <Row>(earlier: Row): Row => earlier;

/** Every table a chunk of decisions writes to, as the rows planned for it; decision-write.ts gives each one statement. */
export function createPlannedRows() {
  return {
    citizensCreated: new RowSet<CitizenInsert>((row) => row.citizen_id),
    citizens: new RowSet<CitizenWrite>((row) => row.citizen_id),
    blockingKeys: new RowSet<KeyRow>(),
    provenance: new RowSet<ProvenanceInsert>(),
    // A history row is one observation's claim on one field: (citizen, field, observation, source) names it.
    provenanceFlags: new RowSet<{ citizen_id: string; field: string; observation_id: string; source: string; is_current: boolean; rule: string }>(
      (row) => `${row.citizen_id}\u0000${row.field}\u0000${row.observation_id}\u0000${row.source}`,
    ),
    links: new RowSet<LinkRow>(recordKey),
    // A source record deleted at its source: its link goes, its facts stay in the history, withdrawn.
    linkDeletes: new RowSet<SourceRecord>(recordKey),
    recordFactWithdrawals: new RowSet<SourceRecord>(recordKey),
    factWithdrawals: new RowSet<SourceRecord & { kind: string; event_time: number }>(),
    facts: new RowSet<FactRow>((row) => row.observation_id, keepEarlier),
    findings: new RowSet<FindingRow>(
      (row) => `${row.observation_id}\u0000${row.code}\u0000${row.field}`,
      (earlier, later) => ({ ...earlier, citizen_id: later.citizen_id ?? earlier.citizen_id }),
    ),
    outcomes: new RowSet<OutcomeRow>((row) => row.decision_id, keepEarlier),
    reviewCases: new RowSet<ReviewCaseRow>(
      (row) => row.observation_id,
      (earlier, later) => ({ ...later, rechecks: Math.max(earlier.rechecks, later.rechecks) }),
    ),
    reviewKeys: new RowSet<RecordKeyRow>((row) => `${row.rule}\u0000${row.key}\u0000${row.observation_id}`),
    unlinked: new RowSet<UnlinkedRow>(
      (row) => row.observation_id,
      (earlier, later) => ({ ...later, attempt: Math.max(earlier.attempt, later.attempt) }),
    ),
    unlinkedKeys: new RowSet<RecordKeyRow>((row) => `${row.rule}\u0000${row.key}\u0000${row.observation_id}`),
    // A waiting record linked (or sent to review, or deleted) at a later attempt: no longer waiting.
    resolutions: new RowSet<{ observation_id: string; resolution: 'LINKED' | 'REVIEW' | 'DELETED'; citizen_id: string | null }>((row) => row.observation_id),
    resolvedKeys: new RowSet<{ observation_id: string }>((row) => row.observation_id),
    reviewsClosed: new RowSet<{ observation_id: string; resolution: PipelineCaseResolution }>((row) => row.observation_id),
    // A linked record's later event that follows its link, or another event of it doubted: the
    // open LINKED_RECORD_CONTRADICTED case of its earlier event is closed; its deletion closes all its open cases.
    recordCasesClosed: new RowSet<RecordCaseClose>((row) => row.observation_id),
    recordDeletions: new RowSet<RecordDeletionRow>((row) => row.observation_id),
    // Records already stored that went back to the linker: the attempt they were sent at.
    unlinkedSentBack: new RowSet<{ observation_id: string; attempt: number }>(
      (row) => row.observation_id,
      (earlier, later) => ({ ...later, attempt: Math.max(earlier.attempt, later.attempt) }),
    ),
    reviewsSentBack: new RowSet<{ observation_id: string; attempt: number }>(
      (row) => row.observation_id,
      (earlier, later) => ({ ...later, attempt: Math.max(earlier.attempt, later.attempt) }),
    ),
    audit: new RowSet<{ actor: string; action: string; citizen_id: string | null; details: unknown }>(),
    outbox: new RowSet<OutboxRow>((row) => row.event_id, keepEarlier),
  };
}

export type PlannedRows = ReturnType<typeof createPlannedRows>;

/** How many rows the plan writes, over all tables. */
export function rowCount(rows: PlannedRows): number {
  return Object.values(rows).reduce((sum, set) => sum + set.size, 0);
}
