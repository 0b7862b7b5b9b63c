import type { PersonObservation } from '../schemas/records.js';
import type { PoolClient } from '../store/db.js';
import { lockMergeCitizens } from '../store/merge-moves.js';
import type { PlanContext } from '../store/plan/loaded-state.js';
import { recordLock } from '../store/plan/classify.js';
import { recordLockKeys } from '../store/plan/record-keys.js';
import { lockKeys } from '../store/records-in-reach.js';

/**
 * The register's lock order, and the locks a steward's decision, or its undo, takes up front in it.
 * A chunk of the store (decision-load.ts, either instance) and a steward's decision or undo
 * (steward-apply.ts) take, of what each needs, in this order:
 *
 * 1. the source records' own locks (store/plan/classify.ts, recordLock): a chunk's, of the records
 *    it decides (again), deletes or may close the open cases of, in one sorted statement; a
 *    steward's, of its case's record (a duplicate pair's case has none), before it reads the case
 *    locked (a case's record never changes, so it is read without a lock first);
 * 2. review case rows: a chunk's, those records' (store/review-case.ts, lockCasesOfRecords), in
 *    one statement in case_id order; a steward's, its case; the steward service's, case rows
 *    alone, one by one in case_id order (steward/case-queue.ts, bulk-decisions.ts);
 * 3. blocking keys (`rule:key`) of a citizen that may be registered (exclusively) or a record that
 *    may only wait (shared), in one sorted statement: a chunk's; a steward's new citizen's, of the
 *    record's latest observation, read under 1;
 * 4. citizens, in one statement in id order (store/decision-load.ts, loadCitizens; merge-moves.ts,
 *    lockMergeCitizens); a merged citizen's survivor after them, in a second.
 *
 * So every case row of a record either takes is taken under the record's lock: a deletion and a
 * steward's decision on one record never wait on each other in a circle, whatever other case of
 * the record the decision sends back. A steward's decision nested in the store's writer
 * (applyDecisions) finds its locks held already. An event of a record and the record's later
 * deletion, decided on two partitions and applied at once, wait on 1 for each other: the deletion
 * applied second takes off the link the event made, the event applied second reads the deletion
 * and changes nothing (store/plan/plan-decisions.ts, deletedLater).
 *
 * A merge and its undo move a citizen's links under the two citizens' locks only, not the records':
 * a deletion reads its record's link again once its citizens are locked, and is retried when the
 * link moved meanwhile (store/decision-load.ts, mustStillBeLinked).
 *
 * What does not follow the order: the records a transaction sends back to the linker are found
 * only after it changed citizens (plan-decisions.ts relinkWaiting and requeueKept, written by
 * decision-write.ts reviewsSentBack and unlinkedSentBack; settings-promotion.ts sendBack, which a
 * settings change and every register re-examination use), and their case rows are marked then, in
 * no order, after its citizens; so is the duplicate case of a merged pair (citizen-merges.ts), and
 * an undone merge's row is locked before its citizens when the merge is undone alone, after them
 * in a steward's undo. A transaction holding such a row and waiting for what the sender holds (a
 * chunk deciding another record's case again, waiting for a citizen; a bulk decision waiting for
 * its next case) closes a circle that PostgreSQL breaks by aborting one of them (40P01,
 * retriable). Only the links re-examination stamps never wait (skip locked,
 * register-reexamination.ts).
 *
 * Nor do the new keys of a citizen whose identity a transaction changed (a correction, a merge or
 * its undo, a record taken off or put back: store/plan/reexamination.ts, changedIdentityLocks,
 * taken by store/register-reexamination.ts): they are known only once the change is planned, with
 * its citizens locked and written, and are taken exclusively then, in one sorted statement.
 * PostgreSQL breaks by aborting one of them (40P01, retriable) a circle with a transaction that
 * holds one of those keys (shared, for a record kept waiting; exclusively, for a birth) and waits
 * for one of the changed citizens, or with another change holding, even only shared, a key this
 * one's needs while needing one of this one's (two chunks each keeping a household's record
 * waiting and correcting one of its members). The store's stage runs an aborted chunk again; a
 * transaction a person started (a steward's request, `dancu duplicates merge` and its undo, a
 * settings change) runs again by itself a few times (store/db.ts, inRetriedTransaction). This
 * lock out of order is what makes a correction and a record waiting on the person's new keys at
 * the same moment see each other; taken in order instead, on every key a correction could give,
 * every linked event would lock keys.
 *
 * Taken as the edits came, a move of a standing link (the citizen the record leaves, then the one
 * it goes to; its undo the other way round) or a new citizen made of one (the citizen left, then
 * the new one's keys) held one lock while it waited for another that a chunk held while waiting
 * for the first, until PostgreSQL broke the circle by aborting one of them.
 */

/** The citizens the decision will edit, in id order. */
export async function lockCitizensInOrder(client: PoolClient, ids: readonly (string | null | undefined)[]): Promise<void> {
  const named = [...new Set(ids.filter((id): id is string => typeof id === 'string' && id !== ''))];
  if (named.length > 0) await lockMergeCitizens(client, named);
}

/**
 * The source record's lock (classify.ts, recordLock), taken before the decision locks its case
 * and reads the record's link, as a deletion of the record in a chunk of the store takes it before
 * the record's open cases and its link: so the deletion takes the record off the citizen the
 * decision left it on, or the decision sees the deletion.
 */
export async function lockRecord(client: PoolClient, o: PersonObservation): Promise<void> {
  await lockKeys(client, [recordLock(o)]);
}

/** The blocking keys a new citizen made of `o` locks when applied (classify.ts: with the settings the store applies with; taken again then at once). */
export async function lockNewCitizenKeys(client: PoolClient, o: PersonObservation, context: PlanContext): Promise<void> {
  await lockKeys(client, recordLockKeys(context.settings, o));
}
