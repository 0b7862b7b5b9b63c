import type { NeverLinkRule } from '../linkage/scoring.js';
import { LINKED_RECORD_CONTRADICTED } from '../register/observation-verdict.js';
import type { Candidate, LinkExplanation, PersonObservation } from '../schemas/records.js';
import type { PoolClient, Pool } from './db.js';
import { PIPELINE_DECIDER } from './decision-tables.js';

export const DUPLICATE_REASON = 'POSSIBLE_DUPLICATE';

/** What a duplicate case holds where a record's case holds the observation: the first citizen of the pair. */
export interface DuplicateSubject {
  citizen_id: string;
}

export type { CaseStatus } from './plan/loaded-state.js';
import type { CaseStatus, LoadedCase } from './plan/loaded-state.js';

/**
 * A candidate as a case stores it (the candidates JSON column): a decision's candidate, and for a
 * pair of the register's duplicate scan the never_link rule that held for it when the case was
 * opened, as data, so the case page and the queue name the rule without reading the English summary.
 */
export interface CaseCandidateEntry extends Candidate {
  never_link?: NeverLinkRule;
}

/** A review case as stored: the record (or the first citizen of a duplicate pair), its candidates and why it was opened. */
export interface ReviewCase {
  case_id: number;
  observation_id: string;
  decision_id: string;
  reason: string;
  source: string;
  observation: PersonObservation | DuplicateSubject;
  candidates: CaseCandidateEntry[];
  explanation: LinkExplanation;
  /** The settings version of the decision that opened or last refreshed the case; null for cases from before versions. */
  settings_version: string | null;
  status: CaseStatus;
  priority: number;
  created_at: Date;
  claimed_by: string | null;
  claimed_at: Date | null;
  decided_by: string | null;
  decided_at: Date | null;
  resolution: string | null;
  /** Times its record went back to the linker because a citizen who may be its person was registered. */
  rechecks: number;
  /** Grows with every change of what a steward decides on (migration 014): a page showing another version is stale. */
  version: number;
}

export const REVIEW_CASE_COLUMNS =
  'case_id::int as case_id, observation_id, decision_id, reason, source, observation, candidates, explanation, settings_version, status, priority, created_at, claimed_by, claimed_at, decided_by, decided_at, resolution, rechecks, version';

/** The columns qualified by a table alias, for joins. */
export function reviewCaseColumnsOf(alias: string): string {
  return REVIEW_CASE_COLUMNS.split(', ')
    .map((column) => (column.startsWith('case_id') ? `${alias}.case_id::int as case_id` : `${alias}.${column}`))
    .join(', ');
}

export function isDuplicateCase(reviewCase: Pick<ReviewCase, 'reason'>): boolean {
  return reviewCase.reason === DUPLICATE_REASON;
}

/**
 * The reasons of the cases about a link left standing, whose record is linked while they wait: the
 * ones a settings change or a change of the register opens (plan-decisions.ts, planRelink), and the
 * linker's doubt about a later event of a linked record (observation-verdict.ts, followLink).
 */
const STANDING_LINK_REASONS: ReadonlySet<string> = new Set([
  'SETTINGS_LINK_MOVED',
  'SETTINGS_LINK_DOUBTED',
  'REGISTER_LINK_MOVED',
  'REGISTER_LINK_DOUBTED',
  LINKED_RECORD_CONTRADICTED,
]);

export function isStandingLinkCase(reviewCase: Pick<ReviewCase, 'reason'>): boolean {
  return STANDING_LINK_REASONS.has(reviewCase.reason);
}

/**
 * A standing-link case whose own observation is not applied: a later event of the record the
 * linker doubted waits beside the link, which holds the record's earlier events only. A
 * steward's confirmation applies it; a settings change or a change of the register opens its case
 * on the observation the link holds already.
 */
export function caseObservationWaits(reviewCase: Pick<ReviewCase, 'reason'>): boolean {
  return reviewCase.reason === LINKED_RECORD_CONTRADICTED;
}

/** The record a case is about; null for a duplicate pair. */
export function caseObservation(reviewCase: ReviewCase): PersonObservation | null {
  return isDuplicateCase(reviewCase) ? null : (reviewCase.observation as PersonObservation);
}

/** The citizens a case asks about: a duplicate pair's two, or a record's candidates. */
export function caseCitizens(reviewCase: ReviewCase): string[] {
  const candidates = reviewCase.candidates.map((c) => c.citizen_id);
  return isDuplicateCase(reviewCase) ? [(reviewCase.observation as DuplicateSubject).citizen_id, ...candidates] : candidates;
}

/** Constraint subjects: a source record, or a register citizen (for duplicate pairs). */
export function recordSubject(o: Pick<PersonObservation, 'source' | 'source_system' | 'source_record_id'>): string {
  return `record:${o.source}:${o.source_system}:${o.source_record_id}`;
}

export function citizenSubject(citizenId: string): string {
  return `citizen:${citizenId}`;
}

export async function findCase(db: Pool | PoolClient, caseId: number, options: { lock?: boolean } = {}): Promise<ReviewCase | null> {
  const { rows } = await db.query<ReviewCase>(`select ${REVIEW_CASE_COLUMNS} from review_cases where case_id = $1${options.lock ? ' for update' : ''}`, [
    caseId,
  ]);
  return rows[0] ?? null;
}

/**
 * Locks the review cases of records decided again, and the open cases of the source records
 * `records` whose cases a decision may close (classify.ts, mayCloseRecordCases), in case_id order,
 * as the steward service locks a case before it decides, so a steward's claim or decision and the
 * pipeline's new look at the same case happen one after the other. Returns the status of each
 * case of `observationIds`, by record, a case the pipeline decided as `CLOSED`.
 */
export async function lockCasesOfRecords(
  client: PoolClient,
  observationIds: readonly string[],
  records: readonly Pick<PersonObservation, 'source' | 'source_system' | 'source_record_id'>[] = [],
): Promise<Map<string, LoadedCase>> {
  if (observationIds.length === 0 && records.length === 0) return new Map();
  // A record's open cases are found by their source record id first (migration 026's index of the open cases).
  const { rows } = await client.query<{ observation_id: string; status: LoadedCase }>(
    `select observation_id, case when status = 'DECIDED' and decided_by = $2 then 'CLOSED' else status end as status
       from review_cases
      where observation_id = any($1::text[])
         or (status = 'OPEN' and observation->>'source_record_id' = any($5::text[])
             and (source, observation->>'source_system', observation->>'source_record_id') in (select * from unnest($3::text[], $4::text[], $5::text[])))
      order by case_id for update`,
    [observationIds, PIPELINE_DECIDER, records.map((r) => r.source), records.map((r) => r.source_system), records.map((r) => r.source_record_id)],
  );
  const decidedAgain = new Set(observationIds);
  return new Map(rows.filter((row) => decidedAgain.has(row.observation_id)).map((row) => [row.observation_id, row.status]));
}
