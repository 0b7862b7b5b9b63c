import type { Topics } from '../shared/schemas/topics.js';
import { mayUndo, stewardActor } from '../shared/review/steward-users.js';
import { appendAudit } from '../shared/store/audit-log.js';
import { inRetriedTransaction, type Pool, type PoolClient } from '../shared/store/db.js';
import { BULK_BATCH_DECISIONS, BULK_BATCHES } from '../shared/store/steward-work-tables.js';
import { decideLocked, heldByOther, lockedCase, QueueRefusal, undoLocked, type Actor } from './case-queue.js';

/**
 * One decision with one comment on many cases that share a cause (a vaccination site's records
 * whose IDs were typed into the wrong column), and one undo for all of them. Each case is decided
 * as if alone: its own locked row, its claim, the version the steward's page showed, the actions
 * it allows, its own published decision and audit rows; a case that refuses is skipped and said
 * why, the others go on. Merges are never bulk (four eyes), nor are links (each names its citizen).
 */
export const BULK_ACTIONS = ['REJECT', 'NEW', 'DISTINCT'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** The most cases one batch decides: what a steward can have looked at as one cause. */
export const MAX_BULK_CASES = 500;

export interface BulkRequest {
  /** Each case with the version the steward's page showed: a case changed since is skipped. */
  cases: { id: number; version: number }[];
  action: BulkAction;
  comment: string;
  /** The filter that selected the cases (source, reason, facility…), kept with the batch. */
  selection: Record<string, string | number>;
}

export interface Skipped {
  case_id: number;
  code: string;
}

export interface BulkOutcome {
  batch_id: number | null;
  done: { case_id: number; decision_id: string }[];
  skipped: Skipped[];
}

/**
 * Runs `work` on each case in case_id order (the order every writer locks cases in), each in a
 * savepoint: a case the queue refuses is rolled back alone and reported with the refusal's code.
 */
async function eachCase<T>(
  client: PoolClient,
  caseIds: readonly number[],
  work: (caseId: number) => Promise<T>,
): Promise<{ done: { caseId: number; value: T }[]; skipped: Skipped[] }> {
  const done: { caseId: number; value: T }[] = [];
  const skipped: Skipped[] = [];
  for (const caseId of [...new Set(caseIds)].sort((a, b) => a - b)) {
    await client.query('savepoint bulk_case');
    try {
      done.push({ caseId, value: await work(caseId) });
      await client.query('release savepoint bulk_case');
    } catch (error) {
      if (!(error instanceof QueueRefusal)) throw error;
      await client.query('rollback to savepoint bulk_case');
      skipped.push({ case_id: caseId, code: error.code });
    }
  }
  return { done, skipped };
}

export async function decideInBulk(pool: Pool, topics: Topics, user: Actor, request: BulkRequest, claimMinutes: number): Promise<BulkOutcome> {
  if (request.comment.trim() === '') throw new QueueRefusal(422, 'COMMENT_REQUIRED', 'a bulk decision needs a comment saying why');
  const versions = new Map(request.cases.map((c) => [c.id, c.version]));
  return inRetriedTransaction(pool, async (client) => {
    const {
      rows: [batch],
    } = await client.query<{ batch_id: number }>(
      `insert into ${BULK_BATCHES.name} (actor, action, comment, selection) values ($1, $2, $3, $4) returning batch_id::int as batch_id`,
      [user.username, request.action, request.comment.trim(), request.selection],
    );
    const batchId = batch!.batch_id;
    const { done, skipped } = await eachCase(client, [...versions.keys()], async (caseId) => {
      const reviewCase = await lockedCase(client, caseId, versions.get(caseId));
      if (heldByOther(reviewCase, user, claimMinutes)) throw new QueueRefusal(409, 'CLAIMED_BY_OTHER', `the case is claimed by ${reviewCase.claimed_by}`);
      const decision = await decideLocked(client, topics, reviewCase, user, { action: request.action, comment: request.comment });
      await client.query(`insert into ${BULK_BATCH_DECISIONS.name} (batch_id, case_id, decision_id) values ($1, $2, $3)`, [
        batchId,
        caseId,
        decision.decision_id,
      ]);
      return decision.decision_id;
    });
    if (done.length === 0) {
      await client.query(`delete from ${BULK_BATCHES.name} where batch_id = $1`, [batchId]);
      return { batch_id: null, done: [], skipped };
    }
    await appendAudit(client, stewardActor(user.username), 'BULK_DECIDED', [], {
      batch_id: batchId,
      action: request.action,
      cases: done.length,
      skipped: skipped.length,
      selection: request.selection,
      source_address: user.sourceAddress,
    });
    return { batch_id: batchId, done: done.map(({ caseId, value }) => ({ case_id: caseId, decision_id: value })), skipped };
  });
}

/**
 * Undoes a whole batch: an UNDO decision for each of its decisions still standing. Only its
 * steward or a supervisor may; refused while any of its decisions is not applied yet (try again
 * in a moment), so that an undo never overtakes the decision it undoes. A decision undone alone
 * before is skipped.
 */
export async function undoBulk(pool: Pool, topics: Topics, batchId: number, user: Actor, comment: string): Promise<BulkOutcome> {
  if (comment.trim() === '') throw new QueueRefusal(422, 'COMMENT_REQUIRED', 'an undo needs a comment saying why');
  return inRetriedTransaction(pool, async (client) => {
    const { rows } = await client.query<{ actor: string; undone_at: Date | null }>(
      `select actor, undone_at from ${BULK_BATCHES.name} where batch_id = $1 for update`,
      [batchId],
    );
    const batch = rows[0];
    if (!batch) throw new QueueRefusal(404, 'BATCH_NOT_FOUND', 'no such bulk decision');
    if (!mayUndo(user, batch.actor)) throw new QueueRefusal(403, 'UNDO_NOT_YOURS', 'only the steward who decided, or a supervisor, may undo a bulk decision');
    if (batch.undone_at) throw new QueueRefusal(409, 'ALREADY_UNDONE', 'the bulk decision is undone already');
    const members = await client.query<{ case_id: number; decision_id: string; pending: boolean }>(
      `select b.case_id::int as case_id, b.decision_id, d.applied_at is null as pending
         from ${BULK_BATCH_DECISIONS.name} b join steward_decisions d on d.decision_id = b.decision_id
        where b.batch_id = $1`,
      [batchId],
    );
    if (members.rows.some((m) => m.pending))
      throw new QueueRefusal(409, 'NOT_APPLIED_YET', 'some decisions of the batch are not applied yet: try again in a moment');
    const decisionOf = new Map(members.rows.map((m) => [m.case_id, m.decision_id]));
    const { done, skipped } = await eachCase(client, [...decisionOf.keys()], async (caseId) => {
      const undo = await undoLocked(client, topics, await lockedCase(client, caseId), decisionOf.get(caseId)!, user, comment);
      await client.query(`update ${BULK_BATCH_DECISIONS.name} set undo_decision_id = $3 where batch_id = $1 and case_id = $2`, [
        batchId,
        caseId,
        undo.decision_id,
      ]);
      return undo.decision_id;
    });
    await client.query(`update ${BULK_BATCHES.name} set undone_by = $2, undone_at = now(), undo_comment = $3 where batch_id = $1`, [
      batchId,
      user.username,
      comment.trim(),
    ]);
    await appendAudit(client, stewardActor(user.username), 'BULK_UNDONE', [], {
      batch_id: batchId,
      cases: done.length,
      skipped: skipped.length,
      source_address: user.sourceAddress,
    });
    return { batch_id: batchId, done: done.map(({ caseId, value }) => ({ case_id: caseId, decision_id: value })), skipped };
  });
}

/** A batch as the UI follows it: how many of its decisions (and of their undos) the store has applied, refused, or not yet seen. */
export interface BatchState {
  batch_id: number;
  actor: string;
  action: BulkAction;
  comment: string;
  selection: Record<string, string | number>;
  created_at: Date;
  undone_by: string | null;
  undone_at: Date | null;
  cases: number;
  applied: number;
  refused: number;
  pending: number;
  undos_pending: number;
  may_undo: boolean;
}

const BATCH_STATE = `
  select b.batch_id::int as batch_id, b.actor, b.action, b.comment, b.selection, b.created_at, b.undone_by, b.undone_at,
         count(m.case_id)::int as cases,
         count(*) filter (where d.result->>'status' = 'applied')::int as applied,
         count(*) filter (where d.result->>'status' = 'refused')::int as refused,
         count(*) filter (where d.applied_at is null)::int as pending,
         count(*) filter (where m.undo_decision_id is not null and u.applied_at is null)::int as undos_pending
    from ${BULK_BATCHES.name} b
    join ${BULK_BATCH_DECISIONS.name} m on m.batch_id = b.batch_id
    join steward_decisions d on d.decision_id = m.decision_id
    left join steward_decisions u on u.decision_id = m.undo_decision_id`;

export async function batchStates(pool: Pool, user: Actor, options: { batchId?: number; limit?: number }): Promise<BatchState[]> {
  const { rows } = await pool.query<Omit<BatchState, 'may_undo'>>(
    `${BATCH_STATE} where $1::bigint is null or b.batch_id = $1 group by b.batch_id order by b.batch_id desc limit $2`,
    [options.batchId ?? null, options.limit ?? 1],
  );
  return rows.map((row) => ({ ...row, may_undo: !row.undone_at && mayUndo(user, row.actor) }));
}
