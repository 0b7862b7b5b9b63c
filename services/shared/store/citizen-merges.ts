import { DancuError, type ErrorCode } from '../errors.js';
import type { PopulationUpdate, PopulationUpdateDraft } from '../schemas/records.js';
import { inRetriedTransaction, type Pool, type PoolClient } from './db.js';
import type { WriterContext } from './apply-decisions.js';
import { CitizenEdits } from './citizen-edits.js';
import { lockMergeCitizens, moveBack, moveToSurvivor, type Moved } from './merge-moves.js';
import type { CitizenState } from './plan/citizen-state.js';
import { populationUpdate } from './plan/observation-update.js';
import { changesIdentity } from './plan/reexamination.js';
import { reexamineAfterChanges } from './register-reexamination.js';
import { dropLoneRegisterClaims, registerClaimsOf, registerClaimsWritten } from './register-claims.js';

export interface MergeResult {
  mergeId: number;
  survivorId: string;
  mergedId: string;
  changes: PopulationUpdate['changes'];
}

/**
 * A merge as citizen_merges.moved keeps it: what it moved, and the register claims it wrote down
 * on the two citizens (`registerClaims`, ids as text; none for a merge made before merges kept
 * them) for its undo to drop again.
 */
type KeptMerge = Moved & { registerClaims?: string[] };

function refuse(code: ErrorCode, message: string, recordId: string): never {
  throw new DancuError(code, message, { retriable: false, context: { recordId } });
}

function update(
  citizenId: string,
  updateType: 'CITIZENS_MERGED' | 'MERGE_UNDONE',
  updateId: string,
  related: string,
  changes: PopulationUpdate['changes'],
  now: Date,
): PopulationUpdateDraft {
  const origin = { source: 'steward', source_system: 'dancu', source_record_id: updateId, observation_id: updateId, event_time: now.getTime() };
  return populationUpdate(
    { update_id: updateId, citizen_id: citizenId, update_type: updateType, fact: null, changes, related_citizen_id: related },
    origin,
    now,
  );
}

/**
 * Merges a citizen found to be another's duplicate into them, in one transaction: the merged
 * citizen's links, facts and field history move to the survivor, whose every field is chosen
 * again from both histories by the survivorship rules; the merged citizen stays, marked MERGED
 * and pointing at the survivor, without blocking keys (the linker no longer finds them).
 * Both get a CITIZENS_MERGED update naming the other; the audit log names who and why.
 */
export async function mergeCitizens(
  pool: Pool,
  context: WriterContext,
  survivorId: string,
  mergedId: string,
  actor: string,
  comment: string,
): Promise<MergeResult> {
  return inRetriedTransaction(pool, (client) => mergeCitizensIn(client, context, survivorId, mergedId, actor, comment));
}

/** mergeCitizens inside the caller's transaction (a steward's decision is applied with its other writes). */
export async function mergeCitizensIn(
  client: PoolClient,
  context: WriterContext,
  survivorId: string,
  mergedId: string,
  actor: string,
  comment: string,
): Promise<MergeResult> {
  if (survivorId === mergedId) refuse('MERGE_SAME_CITIZEN', 'a citizen cannot be merged into themselves', survivorId);
  if (comment.trim() === '') refuse('COMMENT_REQUIRED', 'a merge needs a comment saying why', survivorId);
  const locked = await lockMergeCitizens(client, [survivorId, mergedId]);
  for (const id of [survivorId, mergedId]) {
    const row = locked.get(id);
    if (!row) refuse('CITIZEN_NOT_FOUND', 'no such citizen in the register', id);
    if (row.status === 'MERGED') refuse('CITIZEN_ALREADY_MERGED', `the citizen is already merged into ${row.merged_into}`, id);
  }
  // Both registers' own values become claims first, so the survivor's fields are chosen from
  // everything either held; which ones the merge wrote is kept for its undo to drop again.
  const claimsBefore = await registerClaimsOf(client, [survivorId, mergedId]);
  await new CitizenEdits(client, context).materialiseRegisterClaimsOf([survivorId, mergedId]);
  const registerClaims = await registerClaimsWritten(client, [survivorId, mergedId], claimsBefore);

  const moved = await moveToSurvivor(client, mergedId, survivorId);
  await client.query(`update citizens set status = 'MERGED', merged_into = $1, updated_at = now(), version = version + 1 where citizen_id = $2`, [
    survivorId,
    mergedId,
  ]);
  await client.query('delete from citizen_blocking_keys where citizen_id = $1', [mergedId]);
  const { rows } = await client.query<{ merge_id: string }>(
    'insert into citizen_merges (survivor_id, merged_id, actor, comment, moved) values ($1, $2, $3, $4, $5) returning merge_id',
    [survivorId, mergedId, actor, comment, { ...moved, registerClaims } satisfies KeptMerge],
  );
  const mergeId = Number(rows[0]!.merge_id);
  // Decided by the merge, when and by whom as every other decided case (the queue counts the day's).
  await client.query(
    `update review_cases set status = 'DECIDED', decided_by = $2, decided_at = now()
      where reason = 'POSSIBLE_DUPLICATE' and status <> 'DECIDED' and observation_id = any($1::text[])`,
    [[duplicateCaseId(survivorId, mergedId)], actor],
  );

  const after = new CitizenEdits(client, context);
  await after.load([survivorId]);
  const changes = after.recompute(after.citizen(survivorId)!);
  after.addOutbox(update(survivorId, 'CITIZENS_MERGED', `merge:${mergeId}:${survivorId}`, mergedId, changes, context.now));
  after.addOutbox(update(mergedId, 'CITIZENS_MERGED', `merge:${mergeId}:${mergedId}`, survivorId, [], context.now));
  const details = {
    merge_id: mergeId,
    survivor_id: survivorId,
    merged_id: mergedId,
    comment,
    links: moved.links.length,
    facts: moved.facts.length,
    fields: changes.map((c) => c.field),
  };
  after.addAuditBy(actor, 'CITIZENS_MERGED', survivorId, details);
  after.addAuditBy(actor, 'CITIZENS_MERGED', mergedId, details);
  await after.write();
  // The survivor holds both histories now: records linked to others, waiting or in review may be theirs.
  const survivor = after.citizen(survivorId)!;
  await reexamineAfterChanges(client, context, [{ citizenId: survivorId, trigger: 'MERGED', row: survivor.row }]);
  return { mergeId, survivorId, mergedId, changes };
}

/**
 * Undoes a merge: what it moved goes back to the merged citizen (records linked to the survivor
 * since stay with them), both citizens' fields are chosen again from their own histories, the
 * register claims the merge wrote down that are still alone in their field go again (their field
 * histories are row for row what they were), the merged citizen is active again with their
 * blocking keys. Both get a MERGE_UNDONE update.
 */
export async function undoMerge(pool: Pool, context: WriterContext, mergeId: number, actor: string, comment: string): Promise<MergeResult> {
  return inRetriedTransaction(pool, (client) => undoMergeIn(client, context, mergeId, actor, comment));
}

/** undoMerge inside the caller's transaction. */
export async function undoMergeIn(client: PoolClient, context: WriterContext, mergeId: number, actor: string, comment: string): Promise<MergeResult> {
  if (comment.trim() === '') refuse('COMMENT_REQUIRED', 'undoing a merge needs a comment saying why', String(mergeId));
  const found = await client.query<{ survivor_id: string; merged_id: string; moved: KeptMerge; undone_at: Date | null }>(
    'select survivor_id, merged_id, moved, undone_at from citizen_merges where merge_id = $1 for update',
    [mergeId],
  );
  const merge = found.rows[0];
  if (!merge) refuse('MERGE_NOT_FOUND', 'no such merge', String(mergeId));
  if (merge.undone_at) refuse('MERGE_ALREADY_UNDONE', 'the merge was already undone', String(mergeId));
  const { survivor_id: survivorId, merged_id: mergedId, moved } = merge;
  await lockMergeCitizens(client, [survivorId, mergedId]);

  await moveBack(client, moved, survivorId, mergedId);
  await client.query(
    `update citizens set status = case when date_of_death is null then 'ALIVE' else 'DECEASED' end, merged_into = null where citizen_id = $1`,
    [mergedId],
  );
  await client.query('update citizen_merges set undone_at = now(), undone_by = $2, undo_comment = $3 where merge_id = $1', [mergeId, actor, comment]);

  const writer = new CitizenEdits(client, context);
  await writer.load([survivorId, mergedId]);
  const [survivor, merged] = [writer.citizen(survivorId)!, writer.citizen(mergedId)!] as CitizenState[];
  const survivorChanges = writer.recompute(survivor!);
  const mergedChanges = writer.recompute(merged!);
  writer.addOutbox(update(survivorId, 'MERGE_UNDONE', `unmerge:${mergeId}:${survivorId}`, mergedId, survivorChanges, context.now));
  writer.addOutbox(update(mergedId, 'MERGE_UNDONE', `unmerge:${mergeId}:${mergedId}`, survivorId, mergedChanges, context.now));
  const details = { merge_id: mergeId, survivor_id: survivorId, merged_id: mergedId, comment };
  writer.addAuditBy(actor, 'MERGE_UNDONE', survivorId, details);
  writer.addAuditBy(actor, 'MERGE_UNDONE', mergedId, details);
  await writer.write();
  // Only now the fields are chosen again (a claim dropped before would empty its field); the undo itself writes none down.
  await dropLoneRegisterClaims(client, moved.registerClaims ?? [], [survivorId, mergedId]);
  // The merged citizen is in the register again, with their keys; the survivor, if their identity changed, is someone else to records in reach.
  await reexamineAfterChanges(client, context, [
    { citizenId: mergedId, trigger: 'UNMERGED', row: merged!.row },
    ...(changesIdentity(survivorChanges) ? [{ citizenId: survivorId, trigger: 'UNMERGED' as const, row: survivor!.row }] : []),
  ]);
  return { mergeId, survivorId, mergedId, changes: survivorChanges };
}

/** The review case of a possible duplicate pair: one per pair, whichever order the two are named in. */
export function duplicateCaseId(a: string, b: string): string {
  return a < b ? `duplicate:${a}:${b}` : `duplicate:${b}:${a}`;
}

/** One merge a citizen took part in, on either side, and whether it was undone. */
export interface MergeHistoryEntry {
  merge_id: number;
  survivor_id: string;
  merged_id: string;
  actor: string;
  comment: string;
  merged_at: Date;
  undone_at: Date | null;
  undone_by: string | null;
}

/** Every merge a citizen took part in, as survivor or as merged, oldest first. */
export async function mergeHistory(pool: Pool, citizenId: string): Promise<MergeHistoryEntry[]> {
  const { rows } = await pool.query<MergeHistoryEntry>(
    'select merge_id::int as merge_id, survivor_id, merged_id, actor, comment, merged_at, undone_at, undone_by from citizen_merges where survivor_id = $1 or merged_id = $1 order by merge_id',
    [citizenId],
  );
  return rows;
}
