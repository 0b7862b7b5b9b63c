import type { Pool } from '../store/db.js';
import { DUPLICATE_REASON } from '../store/review-case.js';

/*
 * What is still waiting in the register, read in one place: the monitor, the register quality,
 * the quality report, the CLI and the drain helper all count it here, so "waiting" means the same
 * to each. Each condition is written once, below, and matches a partial index of the migrations.
 */

/** A record of a source that may not create citizens, still waiting for its person (unlinked_records). */
const WAITING_UNLINKED = 'resolved_at is null';
/** A review case no steward has decided yet (review_cases). */
const OPEN_CASE = "status <> 'DECIDED'";
const DUPLICATE_CASE = `reason = '${DUPLICATE_REASON}'`;
/** An update committed to the register and not yet on population.updates.v1 (outbox). */
const UNPUBLISHED = 'published_at is null';

export interface Backlog {
  /** Records waiting unlinked, all sources. */
  unlinked: number;
  unlinkedBySource: Record<string, number>;
  /** Records waiting for a steward's decision (open cases other than possible duplicates). */
  recordsInReview: number;
  /** Open cases of two citizens that may be one person. */
  possibleDuplicates: number;
  /** Age of the oldest open case of either kind, in seconds; null when none is open. */
  oldestOpenCaseSeconds: number | null;
  /** Updates not yet published. */
  outboxUnpublished: number;
}

/** The register's backlogs now, in one statement. */
export async function registerBacklog(pool: Pool): Promise<Backlog> {
  const { rows } = await pool.query<{ unlinked: Record<string, number>; in_review: string; duplicates: string; oldest: string | null; outbox: string }>(
    `select (select coalesce(json_object_agg(source, n), '{}') from (select source, count(*) as n from unlinked_records where ${WAITING_UNLINKED} group by source) u) as unlinked,
            (select count(*) from review_cases where ${OPEN_CASE} and not ${DUPLICATE_CASE}) as in_review,
            (select count(*) from review_cases where ${OPEN_CASE} and ${DUPLICATE_CASE}) as duplicates,
            (select extract(epoch from now() - min(created_at)) from review_cases where ${OPEN_CASE}) as oldest,
            (select count(*) from outbox where ${UNPUBLISHED}) as outbox`,
  );
  const row = rows[0]!;
  const unlinkedBySource = Object.fromEntries(Object.entries(row.unlinked).map(([source, n]) => [source, Number(n)]));
  return {
    unlinked: Object.values(unlinkedBySource).reduce((sum, n) => sum + n, 0),
    unlinkedBySource,
    recordsInReview: Number(row.in_review),
    possibleDuplicates: Number(row.duplicates),
    oldestOpenCaseSeconds: row.oldest === null ? null : Number(row.oldest),
    outboxUnpublished: Number(row.outbox),
  };
}

export interface WaitingUnlinkedRecord {
  source: string;
  source_system: string;
  source_record_id: string;
  event_type: string;
  attempt: number;
  created_at: Date;
}

/** Records waiting unlinked, oldest first. */
export async function waitingUnlinkedRecords(pool: Pool, options: { source?: string; limit: number }): Promise<WaitingUnlinkedRecord[]> {
  const { rows } = await pool.query<WaitingUnlinkedRecord>(
    `select source, source_system, source_record_id, event_type, attempt, created_at from unlinked_records
      where ${WAITING_UNLINKED} and ($1::text is null or source = $1) order by created_at limit $2`,
    [options.source ?? null, options.limit],
  );
  return rows;
}

export interface OpenDuplicateCase {
  case_id: string;
  a: string;
  b: string;
  score: number;
  created_at: Date;
}

/** Open possible-duplicate cases, highest score first. */
export async function openDuplicateCases(pool: Pool, limit: number): Promise<OpenDuplicateCase[]> {
  const { rows } = await pool.query<OpenDuplicateCase>(
    `select case_id, observation->>'citizen_id' as a, candidates->0->>'citizen_id' as b, (candidates->0->>'score')::float as score, created_at
       from review_cases where ${DUPLICATE_CASE} and ${OPEN_CASE} order by score desc, case_id limit $1`,
    [limit],
  );
  return rows;
}
