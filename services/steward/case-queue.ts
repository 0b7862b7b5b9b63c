import { randomUUID } from 'node:crypto';
import { DancuError, type ErrorCode } from '../shared/errors.js';
import { heldPersonalId } from '../shared/normalise/personal-id.js';
import type { Topics } from '../shared/schemas/topics.js';
import type { StewardAction, StewardDecision } from '../shared/schemas/records.js';
import { inRetriedTransaction, type Pool, type PoolClient } from '../shared/store/db.js';
import { caseCitizens, caseObservation, findCase, isDuplicateCase, type ReviewCase } from '../shared/store/review-case.js';
import { addToOutbox } from '../shared/store/outbox-relay.js';
import { appendAudit } from '../shared/store/audit-log.js';
import { allowedActions, type CaseAction, type CaseFacts } from '../shared/review/case-actions.js';
import { deletedAtSource } from '../shared/review/standing-link.js';
import { decisionDetails, insertStewardDecision } from '../shared/review/steward-decisions.js';
import { mayUndo, stewardActor, type StewardUser } from '../shared/review/steward-users.js';
import { ROUTING_COLUMNS, ROUTING_COUNTS, workListConditions, type RoutingFields, type WorkListFilter } from './work-lists.js';

/** A request the queue refuses, with the HTTP status that says why. */
export class QueueRefusal extends DancuError {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 412 | 422,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message, { retriable: false });
  }
}

export interface CaseFilter extends WorkListFilter {
  status: 'open' | 'claimed' | 'decided' | 'all';
  source?: string;
  reason?: string;
  minScore?: number;
  maxScore?: number;
  olderThanHours?: number;
  limit: number;
  offset: number;
}

/** A line of the queue: what the case is and how urgent, never whose data it holds. */
export interface QueueLine extends RoutingFields {
  case_id: number;
  reason: string;
  source: string;
  status: string;
  priority: number;
  score: number;
  candidates: number;
  /** The never_link rule stored with the best candidate (a duplicate pair of twins): the line names the pair as under the rule. */
  never_link: string | null;
  created_at: Date;
  age_seconds: number;
  claimed_by: string | null;
  decided_by: string | null;
  resolution: string | null;
}

const STATUS_CONDITION: Record<CaseFilter['status'], string> = {
  open: "status <> 'DECIDED'",
  claimed: "status = 'CLAIMED'",
  decided: "status = 'DECIDED'",
  all: 'true',
};

function filterSql(filter: CaseFilter): { where: string; params: unknown[] } {
  const params: unknown[] = [];
  const conditions = [STATUS_CONDITION[filter.status]];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    conditions.push(sql.replaceAll('?', `$${params.length}`));
  };
  if (filter.source) add('source = ?', filter.source);
  if (filter.reason) add('reason = ?', filter.reason);
  if (filter.minScore !== undefined) add("coalesce((candidates->0->>'score')::float8, 0) >= ?", filter.minScore);
  if (filter.maxScore !== undefined) add("coalesce((candidates->0->>'score')::float8, 0) <= ?", filter.maxScore);
  if (filter.olderThanHours !== undefined) add('created_at <= now() - make_interval(secs => ?)', filter.olderThanHours * 3600);
  for (const { sql, value } of workListConditions(filter)) {
    if (value === undefined) conditions.push(sql);
    else add(sql, value);
  }
  return { where: conditions.join(' and '), params };
}

/** Open cases by reason, source, province and facility, and by status (decided: in the last day): what the filters offer. */
export type QueueCounts = Record<'reason' | 'source' | 'status' | 'province' | 'facility', Record<string, number>>;

/**
 * The queue's counts, each read through a partial index whatever the history's length: decided
 * cases are counted over the last day (migration 039), not since the register began.
 */
export const QUEUE_COUNTS_QUERY = `select 'reason' as dimension, reason as value, count(*) as n from review_cases where status <> 'DECIDED' group by reason
   union all select 'source', source, count(*) from review_cases where status <> 'DECIDED' group by source
   union all select 'status', status, count(*) from review_cases where status <> 'DECIDED' group by status
   union all select 'status', 'DECIDED', count(*) from review_cases where status = 'DECIDED' and decided_at > now() - interval '1 day' ${ROUTING_COUNTS}`;

/** The queue, most urgent and oldest first, with counts by reason, source and status for the filters. */
export async function listCases(pool: Pool, filter: CaseFilter): Promise<{ total: number; cases: QueueLine[]; counts: QueueCounts }> {
  const { where, params } = filterSql(filter);
  const lines = await pool.query<QueueLine & { total: string }>(
    `select case_id::int as case_id, reason, source, status, priority, coalesce((candidates->0->>'score')::float8, 0) as score,
            jsonb_array_length(candidates) as candidates, candidates->0->'never_link'->>'name' as never_link, created_at, extract(epoch from now() - created_at)::int as age_seconds,
            claimed_by, decided_by, resolution, ${ROUTING_COLUMNS}, count(*) over () as total
       from review_cases where ${where}
      order by priority, created_at, case_id
      limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, filter.limit, filter.offset],
  );
  const counts = await pool.query<{ dimension: string; value: string; n: string }>(QUEUE_COUNTS_QUERY);
  const grouped: QueueCounts = { reason: {}, source: {}, status: {}, province: {}, facility: {} };
  for (const row of counts.rows) grouped[row.dimension as keyof QueueCounts][row.value] = Number(row.n);
  return { total: Number(lines.rows[0]?.total ?? 0), cases: lines.rows.map(({ total: _total, ...line }) => line), counts: grouped };
}

/**
 * The case, locked for the transaction. With `expectedVersion` (the version the steward's page
 * showed, sent as If-Match), refused when the case has changed since: a decision is never taken
 * on a state the steward did not see.
 */
export async function lockedCase(client: PoolClient, caseId: number, expectedVersion?: number): Promise<ReviewCase> {
  const reviewCase = await findCase(client, caseId, { lock: true });
  if (!reviewCase) throw new QueueRefusal(404, 'CASE_NOT_FOUND', 'no such review case');
  if (expectedVersion !== undefined && reviewCase.version !== expectedVersion)
    throw new QueueRefusal(412, 'STALE_CASE', `the case changed since the page showed it (version ${expectedVersion}, now ${reviewCase.version}): reload it`);
  return reviewCase;
}

export function heldByOther(reviewCase: ReviewCase, user: StewardUser, claimMinutes: number): boolean {
  if (reviewCase.status !== 'CLAIMED' || !reviewCase.claimed_by || reviewCase.claimed_by === user.username) return false;
  return reviewCase.claimed_at !== null && Date.now() - reviewCase.claimed_at.getTime() < claimMinutes * 60_000;
}

/** A signed-in user acting, with the address the request came from: every audit row of theirs says where from. */
export interface Actor extends StewardUser {
  sourceAddress: string;
}

/** Audits an action on a case, one row per citizen it holds, so "who touched citizen X" finds it. */
async function auditCase(client: PoolClient, user: Actor, action: string, reviewCase: ReviewCase, details: object = {}): Promise<void> {
  await appendAudit(client, stewardActor(user.username), action, caseCitizens(reviewCase), {
    case_id: reviewCase.case_id,
    source_address: user.sourceAddress,
    ...details,
  });
}

/** Takes a case for the user: refused while another steward's claim is fresh, or once decided. */
export async function claimCase(pool: Pool, caseId: number, user: Actor, claimMinutes: number, expectedVersion?: number): Promise<void> {
  await inRetriedTransaction(pool, async (client) => {
    const reviewCase = await lockedCase(client, caseId, expectedVersion);
    if (reviewCase.status === 'DECIDED') throw new QueueRefusal(409, 'CASE_DECIDED', 'the case is decided already');
    if (heldByOther(reviewCase, user, claimMinutes)) throw new QueueRefusal(409, 'CLAIMED_BY_OTHER', `the case is claimed by ${reviewCase.claimed_by}`);
    await client.query(`update review_cases set status = 'CLAIMED', claimed_by = $2, claimed_at = now() where case_id = $1`, [caseId, user.username]);
    await auditCase(client, user, 'CASE_CLAIMED', reviewCase);
  });
}

/** Gives a claim back; an admin may release anyone's. */
export async function releaseCase(pool: Pool, caseId: number, user: Actor, expectedVersion?: number): Promise<void> {
  await inRetriedTransaction(pool, async (client) => {
    const reviewCase = await lockedCase(client, caseId, expectedVersion);
    if (reviewCase.status !== 'CLAIMED') throw new QueueRefusal(409, 'NOT_CLAIMED', 'the case is not claimed');
    if (reviewCase.claimed_by !== user.username && user.role !== 'admin')
      throw new QueueRefusal(409, 'CLAIMED_BY_OTHER', `the case is claimed by ${reviewCase.claimed_by}`);
    await client.query(`update review_cases set status = 'OPEN', claimed_by = null, claimed_at = null where case_id = $1`, [caseId]);
    await auditCase(client, user, 'CASE_RELEASED', reviewCase, { claimed_by: reviewCase.claimed_by });
  });
}

export interface DecisionRequest {
  action: Exclude<StewardAction, 'UNDO'>;
  citizenId?: string | undefined;
  otherCitizenId?: string | undefined;
  comment: string;
}

/**
 * What a case's decisions depend on now: its candidates still in the register, whether its
 * record's ID is a citizen's already, and whether its record was deleted at its source since (the
 * store's own check, which refuses all but a rejection then: steward-apply.ts).
 */
export async function caseFacts(db: Pool | PoolClient, reviewCase: ReviewCase): Promise<CaseFacts> {
  const observation = caseObservation(reviewCase);
  // A placeholder (no province code) is no one's: the store would register a new citizen without it.
  const personalId = heldPersonalId(observation?.person.personal_id);
  const { rows } = await db.query<{ active: number; taken: boolean }>(
    `select (select count(*) from citizens where citizen_id = any($1::text[]) and status <> 'MERGED')::int as active,
            exists (select 1 from citizens where personal_id = $2) as taken`,
    [caseCitizens(reviewCase), personalId],
  );
  const { active, taken } = rows[0]!;
  return {
    duplicate: isDuplicateCase(reviewCase),
    activeCandidates: active,
    personalIdTaken: personalId !== null && taken,
    deletedAtSource: observation !== null && (await deletedAtSource(db, observation)),
  };
}

/** What a case allows now (caseFacts). */
export async function caseActions(db: Pool | PoolClient, reviewCase: ReviewCase): Promise<CaseAction[]> {
  return allowedActions(await caseFacts(db, reviewCase));
}

/** Which decisions a case allows, and with which citizens: checked here so that what is published can be applied. */
async function checkDecision(client: PoolClient, reviewCase: ReviewCase, request: DecisionRequest): Promise<void> {
  const citizens = caseCitizens(reviewCase);
  const bad = (message: string): never => {
    throw new QueueRefusal(422, 'DECISION_NOT_ALLOWED', message);
  };
  if (isDuplicateCase(reviewCase)) {
    if (request.action !== 'MERGE' && request.action !== 'DISTINCT') bad('a possible duplicate is decided by MERGE or DISTINCT');
  } else if (request.action === 'DISTINCT') {
    bad('DISTINCT decides a possible duplicate; a record is decided by LINK, NEW, REJECT or MERGE');
  }
  if (request.action === 'LINK' && (!request.citizenId || !citizens.includes(request.citizenId))) bad("LINK names one of the case's candidates");
  if (request.action === 'MERGE') {
    const { citizenId, otherCitizenId } = request;
    if (!citizenId || !otherCitizenId || citizenId === otherCitizenId || !citizens.includes(citizenId) || !citizens.includes(otherCitizenId))
      bad('MERGE names two different citizens of the case: the survivor and the one merged into them');
  }
  const facts = await caseFacts(client, reviewCase);
  const allowed = allowedActions(facts);
  if (facts.deletedAtSource && request.action !== 'REJECT')
    throw new QueueRefusal(422, 'RECORD_DELETED', "the record was deleted at its source after the case's event: reject the case");
  if (request.action === 'NEW' && !allowed.includes('NEW'))
    bad("the record's personal ID belongs to a citizen already: link it, or reject it so that its source corrects the ID");
  if (!allowed.includes(request.action)) bad(`the case allows ${allowed.join(', ')} now`);
}

/**
 * When a decision on the case is made: now, or a millisecond after the case's latest decision when
 * that one is not earlier (made in the same millisecond, or by a steward service whose clock runs
 * ahead of this one's). A case's decisions are ordered by this time, in its history and where the
 * store refuses to undo a decision that a later one follows (LATER_DECISION_STANDS), so it must
 * grow with each; read under the case's lock, as every decision on it is recorded.
 */
async function decisionTime(client: PoolClient, caseId: number): Promise<number> {
  const { rows } = await client.query<{ latest: string | null }>(
    'select (extract(epoch from max(decided_at)) * 1000)::bigint::text as latest from steward_decisions where case_id = $1',
    [caseId],
  );
  const latest = rows[0]?.latest ?? null;
  return latest === null ? Date.now() : Math.max(Date.now(), Number(latest) + 1);
}

/** A decision on a case whose row the caller has locked, timed by decisionTime. */
async function decisionEvent(
  client: PoolClient,
  caseId: number,
  user: StewardUser,
  action: StewardAction,
  fields: Partial<StewardDecision>,
  comment: string,
): Promise<StewardDecision> {
  return {
    decision_id: `steward:${randomUUID()}`,
    case_id: caseId,
    action,
    citizen_id: fields.citizen_id ?? null,
    other_citizen_id: fields.other_citizen_id ?? null,
    undoes: fields.undoes ?? null,
    actor: user.username,
    comment: comment.trim(),
    decided_at: await decisionTime(client, caseId),
  };
}

/** The decision recorded and queued for steward.decisions.v1 in the same transaction: published once it commits, even after a crash. */
async function record(client: PoolClient, topics: Topics, decision: StewardDecision, user: Actor, citizens: string[]): Promise<void> {
  await insertStewardDecision(client, decision);
  // The outbox id differs from the decision id: the store's update for the decision is keyed by the decision id.
  await addToOutbox(client, {
    eventId: `${decision.decision_id}:published`,
    topic: topics.stewardDecisions,
    key: String(decision.case_id),
    recordType: 'stewardDecision',
    payload: decision,
  });
  await appendAudit(client, stewardActor(decision.actor), 'STEWARD_DECIDED', citizens, { ...decisionDetails(decision), source_address: user.sourceAddress });
}

/**
 * Decides a case. The case row is locked, so of two decisions at once one wins and the other
 * is refused; a case another steward holds cannot be decided; a decided case takes no second
 * decision (undo the first).
 */
export async function decideCase(
  pool: Pool,
  topics: Topics,
  caseId: number,
  user: Actor,
  request: DecisionRequest,
  claimMinutes: number,
  expectedVersion?: number,
): Promise<StewardDecision> {
  if (request.comment.trim() === '') throw new QueueRefusal(422, 'COMMENT_REQUIRED', 'a decision needs a comment saying why');
  if (request.action === 'MERGE')
    throw new QueueRefusal(
      422,
      'MERGE_NEEDS_APPROVAL',
      'a merge is proposed (POST /api/cases/{id}/merge-proposals) and applied once a second steward approves it',
    );
  return inRetriedTransaction(pool, async (client) => {
    const reviewCase = await lockedCase(client, caseId, expectedVersion);
    if (heldByOther(reviewCase, user, claimMinutes)) throw new QueueRefusal(409, 'CLAIMED_BY_OTHER', `the case is claimed by ${reviewCase.claimed_by}`);
    return decideLocked(client, topics, reviewCase, user, request);
  });
}

/** Decides a case whose row the caller has locked (a decision, or the approval of a merge proposal). */
export async function decideLocked(
  client: PoolClient,
  topics: Topics,
  reviewCase: ReviewCase,
  user: Actor,
  request: DecisionRequest,
): Promise<StewardDecision> {
  if (reviewCase.status === 'DECIDED')
    throw new QueueRefusal(409, 'CASE_DECIDED', `the case was decided already by ${reviewCase.decided_by ?? 'the pipeline'}`);
  await checkDecision(client, reviewCase, request);
  if (request.action !== 'MERGE') {
    const waiting = await client.query("select 1 from merge_proposals where case_id = $1 and status = 'PROPOSED'", [reviewCase.case_id]);
    if (waiting.rowCount) throw new QueueRefusal(409, 'MERGE_PROPOSED_ALREADY', 'a merge proposal on this case waits: approve or reject it first');
  }
  const decision = await decisionEvent(
    client,
    reviewCase.case_id,
    user,
    request.action,
    { citizen_id: request.citizenId ?? null, other_citizen_id: request.otherCitizenId ?? null },
    request.comment,
  );
  await client.query(`update review_cases set status = 'DECIDED', decided_by = $2, decided_at = now(), resolution = $3 where case_id = $1`, [
    reviewCase.case_id,
    user.username,
    request.action,
  ]);
  const named = [decision.citizen_id, decision.other_citizen_id].filter((id): id is string => id !== null);
  await record(client, topics, decision, user, named.length > 0 ? named : caseCitizens(reviewCase));
  return decision;
}

/** Undoes an applied decision of the case (the latest standing one): published as an UNDO decision and applied by the store. */
export async function undoDecision(
  pool: Pool,
  topics: Topics,
  caseId: number,
  undoneId: string,
  user: Actor,
  comment: string,
  expectedVersion?: number,
): Promise<StewardDecision> {
  if (comment.trim() === '') throw new QueueRefusal(422, 'COMMENT_REQUIRED', 'an undo needs a comment saying why');
  return inRetriedTransaction(pool, async (client) => undoLocked(client, topics, await lockedCase(client, caseId, expectedVersion), undoneId, user, comment));
}

/** Undoes a decision of a case whose row the caller has locked (one case, or each case of a bulk batch). */
export async function undoLocked(
  client: PoolClient,
  topics: Topics,
  reviewCase: ReviewCase,
  undoneId: string,
  user: Actor,
  comment: string,
): Promise<StewardDecision> {
  const caseId = reviewCase.case_id;
  const { rows } = await client.query<{
    action: string;
    actor: string;
    applied_at: Date | null;
    result: { status?: string } | null;
    undone_by: string | null;
    pending: boolean;
  }>(
    `select action, actor, applied_at, result, undone_by,
              exists (select 1 from steward_decisions u where u.undoes = d.decision_id and u.applied_at is null) as pending
         from steward_decisions d where decision_id = $1 and case_id = $2`,
    [undoneId, caseId],
  );
  const target = rows[0];
  if (!target) throw new QueueRefusal(404, 'DECISION_NOT_FOUND', 'no such decision on this case');
  if (!mayUndo(user, target.actor)) throw new QueueRefusal(403, 'UNDO_NOT_YOURS', 'only the steward who decided, or a supervisor, may undo a decision');
  if (target.action === 'UNDO')
    throw new QueueRefusal(
      422,
      'DECISION_NOT_ALLOWED',
      'an undo is not undone: the undo opened the case again, so decide it anew (if it was decided since, undo that decision first)',
    );
  if (target.undone_by || target.pending) throw new QueueRefusal(409, 'ALREADY_UNDONE', 'the decision is undone already');
  if (!target.applied_at) throw new QueueRefusal(409, 'NOT_APPLIED_YET', 'the decision is not applied yet: try again in a moment');
  if (target.result?.status !== 'applied') throw new QueueRefusal(409, 'NOT_APPLIED', 'the decision was refused by the register, so there is nothing to undo');
  const decision = await decisionEvent(client, caseId, user, 'UNDO', { undoes: undoneId }, comment);
  await record(client, topics, decision, user, caseCitizens(reviewCase));
  return decision;
}

export interface DecisionState {
  decision_id: string;
  action: string;
  citizen_id: string | null;
  other_citizen_id: string | null;
  undoes: string | null;
  actor: string;
  comment: string;
  decided_at: Date;
  applied_at: Date | null;
  result: unknown;
  undone_by: string | null;
  /** Whether the user asking may undo it: the UI offers Undo only then. */
  may_undo: boolean;
}

const DECISION_COLUMNS = 'decision_id, action, citizen_id, other_citizen_id, undoes, actor, comment, decided_at, applied_at, result, undone_by';

/** The case's decisions, each saying whether `user` may undo it (a standing, applied decision of theirs, or any for a supervisor). */
export async function caseDecisions(pool: Pool, caseId: number, user: StewardUser): Promise<DecisionState[]> {
  const { rows } = await pool.query<Omit<DecisionState, 'may_undo'>>(
    `select ${DECISION_COLUMNS} from steward_decisions where case_id = $1 order by decided_at, decision_id`,
    [caseId],
  );
  return rows.map((d) => ({
    ...d,
    may_undo: d.action !== 'UNDO' && !d.undone_by && (d.result as { status?: string } | null)?.status === 'applied' && mayUndo(user, d.actor),
  }));
}

/**
 * Where a decision stands, for a client waiting on it: pending, applied or refused. It names no
 * citizen and carries no comment or refusal reason (those can hold personal IDs), so polling it
 * is not a view of personal data; the case, which is audited, shows the rest.
 */
export interface DecisionStatus {
  decision_id: string;
  case_id: number;
  action: string;
  decided_at: Date;
  applied_at: Date | null;
  status: 'pending' | 'applied' | 'refused';
  undone_by: string | null;
}

export async function decisionStatus(pool: Pool, decisionId: string): Promise<DecisionStatus | null> {
  const { rows } = await pool.query<DecisionStatus>(
    `select decision_id, case_id::int as case_id, action, decided_at, applied_at, undone_by,
            case when applied_at is null then 'pending' else result->>'status' end as status
       from steward_decisions where decision_id = $1`,
    [decisionId],
  );
  return rows[0] ?? null;
}
