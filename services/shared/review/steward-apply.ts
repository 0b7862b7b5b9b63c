import { DancuError, type ErrorCode } from '../errors.js';
import { SOURCE_TOPICS, isSourceName, type Topics } from '../schemas/topics.js';
import type { LinkDecision, PersonObservation, Rejection, StewardDecision } from '../schemas/records.js';
import { applyDecisions, newCitizenId, STORE_CONSUMER, type WriterContext } from '../store/apply-decisions.js';
import { mergeCitizensIn, undoMergeIn } from '../store/citizen-merges.js';
import type { PoolClient } from '../store/db.js';
import { CitizenEdits } from '../store/citizen-edits.js';
import { observationUpdate } from '../store/plan/observation-update.js';
import { changesIdentity } from '../store/plan/reexamination.js';
import { reexamineAfterChanges, settledInTransaction } from '../store/register-reexamination.js';
import { addToOutbox } from '../store/outbox-relay.js';
import { appendAudit } from '../store/audit-log.js';
import { dropLoneRegisterClaims, registerClaimsOf, registerClaimsWritten } from '../store/register-claims.js';
import { appliedStewardDecisionKey, decisionDetails, insertStewardDecision } from './steward-decisions.js';
import { stewardActor } from './steward-users.js';
import { refuse, StewardRefusal, type RefusalCode } from './steward-refusal.js';
import { appliedNote, observationToApply } from './standing-link-plan.js';
import { lockCitizensInOrder, lockNewCitizenKeys, lockRecord } from './citizen-locks.js';
import { keepRegisterClaimsWritten, registerClaimsKeptBy } from './register-claims.js';
import {
  deletedAtSource,
  deleteRecordOn,
  keepNoStandingLink,
  keepStandingLink,
  latestObservationOf,
  mustBeLinkedBy,
  mustHaveNoPendingObservation,
  observationToConfirm,
  putBackRecord,
  restoreLinkRow,
  standingLinkOfDecision,
} from './standing-link.js';
import {
  caseCitizens,
  caseObservation,
  caseObservationWaits,
  citizenSubject,
  findCase,
  isDuplicateCase,
  isStandingLinkCase,
  recordSubject,
  type ReviewCase,
} from '../store/review-case.js';

export interface StewardContext extends WriterContext {
  topics: Topics;
}

/** What applying a steward decision did: `applied` with what it made, `refused` with why (the register is unchanged), or a redelivery. */
export type StewardResult =
  { status: 'duplicate' } | { status: 'applied'; result: Record<string, unknown> } | { status: 'refused'; reason: string; code?: RefusalCode };

export { StewardRefusal };

interface StoredDecision {
  decision_id: string;
  case_id: number;
  action: StewardDecision['action'];
  citizen_id: string | null;
  other_citizen_id: string | null;
  result: Record<string, unknown> | null;
  undone_by: string | null;
  applied_at: Date | null;
}

/**
 * Applies one steward decision inside the caller's transaction, as the linker's decisions are:
 * a LINK or NEW becomes a link decision of method STEWARD and goes through the same writer, so
 * the register, the updates topic and the audit log agree. The decision id is recorded first:
 * a redelivery changes nothing. A decision the register no longer allows (a case decided twice,
 * an undo of what others built on) is refused and recorded, never half applied, and its case is
 * the steward's to decide again (reopenRefusedCase).
 */
export async function applyStewardDecision(client: PoolClient, decision: StewardDecision, context: StewardContext): Promise<StewardResult> {
  const fresh = await client.query('insert into processed_events (consumer, event_id) values ($1, $2) on conflict do nothing', [
    STORE_CONSUMER,
    appliedStewardDecisionKey(decision.decision_id),
  ]);
  if (fresh.rowCount === 0) return { status: 'duplicate' };
  // The case's record (which never changes) is read first, for its lock to be taken before the case row (citizen-locks.ts).
  const unlocked = await findCase(client, decision.case_id);
  const observed = unlocked ? caseObservation(unlocked) : null;
  if (observed) await lockRecord(client, observed);
  const reviewCase = unlocked && (await findCase(client, decision.case_id, { lock: true }));
  if (!reviewCase)
    throw new DancuError('CASE_NOT_FOUND', 'the steward decision names a review case that does not exist', {
      retriable: false,
      context: { recordId: String(decision.case_id) },
    });
  // Under the case's lock, as the steward service writes it: a restore's replay records the decisions on one case in the order it applies them.
  await insertStewardDecision(client, decision);

  await client.query('savepoint steward_decision');
  let outcome: StewardResult;
  try {
    const result = decision.action === 'UNDO' ? await undo(client, decision, reviewCase, context) : await decide(client, decision, reviewCase, context);
    outcome = { status: 'applied', result };
  } catch (error) {
    if (!(error instanceof StewardRefusal)) throw error;
    await client.query('rollback to savepoint steward_decision');
    outcome = { status: 'refused', reason: error.message, ...(error.refusal ? { code: error.refusal } : {}) };
    if (decision.action !== 'UNDO')
      await (error.refusal === 'CASE_DECIDED' ? showStandingDecision(client, decision.case_id) : reopenRefusedCase(client, decision));
  }
  await client.query('update steward_decisions set applied_at = now(), result = $2 where decision_id = $1', [decision.decision_id, outcome]);
  await appendAudit(
    client,
    stewardActor(decision.actor),
    outcome.status === 'applied' ? 'STEWARD_DECISION_APPLIED' : 'STEWARD_DECISION_REFUSED',
    decisionCitizens(decision, outcome, reviewCase),
    { ...decisionDetails(decision), outcome },
  );
  return outcome;
}

/**
 * A case whose decision the register refused is the deciding steward's to decide again: the
 * steward service marked it decided when it published the decision (case-queue.ts, decideLocked),
 * so it goes back to how it stood then, claimed by them (a fresh claim, to read why) or open. Only
 * while it still stands as that decision left it; the refusal stays recorded with the decision.
 * The status and the claim change, so the case's version grows (migration 014): a page that showed
 * it before the refusal is stale.
 */
async function reopenRefusedCase(client: PoolClient, decision: StewardDecision): Promise<void> {
  await client.query(
    `update review_cases set status = case when claimed_by = $2 then 'CLAIMED' else 'OPEN' end,
            claimed_at = case when claimed_by = $2 then now() end, claimed_by = case when claimed_by = $2 then claimed_by end,
            decided_by = null, decided_at = null, resolution = null
      where case_id = $1 and status = 'DECIDED' and decided_by = $2 and resolution = $3`,
    [decision.case_id, decision.actor, decision.action],
  );
}

/** A steward decision that stands: a decision (not an undo) the register applied and nobody undid. */
const STANDING = `action <> 'UNDO' and undone_by is null and (result->>'status') = 'applied'`;

/**
 * A case another decision stands on is that decision's: it shows it as decided by that one, not
 * reopened. Mostly it shows it already; not a case the store reopened under a standing decision
 * before it refused second decisions, and that the steward service then marked decided by the
 * decision refused here.
 */
async function showStandingDecision(client: PoolClient, caseId: number): Promise<void> {
  await client.query(
    `update review_cases c set status = 'DECIDED', decided_by = d.actor, decided_at = d.applied_at, resolution = d.action, claimed_by = null, claimed_at = null
       from (select actor, applied_at, action from steward_decisions
              where case_id = $1 and ${STANDING} order by applied_at desc limit 1) d
      where c.case_id = $1`,
    [caseId],
  );
}

/** The citizens a decision's audit rows name, in the indexed column: those it names or made, else those of its case. */
function decisionCitizens(decision: StewardDecision, outcome: StewardResult, reviewCase: ReviewCase): string[] {
  const made = outcome.status === 'applied' ? outcome.result.citizen_id : undefined;
  const named = [decision.citizen_id, decision.other_citizen_id, typeof made === 'string' ? made : null].filter((id): id is string => id !== null);
  return [...new Set(named.length > 0 ? named : caseCitizens(reviewCase))];
}

async function decide(client: PoolClient, decision: StewardDecision, reviewCase: ReviewCase, context: StewardContext): Promise<Record<string, unknown>> {
  // The steward service publishes one decision per case until it is undone (case-queue.ts); any other publisher on the
  // decisions topic may not: a second decision applied on top of the first would leave the case's history undoable.
  if (await otherDecisionStands(client, reviewCase.case_id, decision.decision_id))
    refuse('another decision on the case stands: undo it first to decide the case again', 'CASE_DECIDED');
  const observation = caseObservation(reviewCase);
  let result: Record<string, unknown>;
  // A new citizen's blocking keys (records-in-reach.ts), which the store locks before any citizen (citizen-locks.ts): of the
  // observation it is made of, the record's latest where a link stood, read under the record's lock (applyStewardDecision).
  const made = decision.action === 'NEW' && observation && isStandingLinkCase(reviewCase) ? await latestObservationOf(client, observation) : observation;
  if (decision.action === 'NEW' && made) await lockNewCitizenKeys(client, made, context);
  // A decision edits the citizen a standing link leaves, then the one the record goes to (a merge's
  // two besides): all locked first, in id order, and the register claims it writes on them kept for
  // its undo. A new citizen has none before the decision, and its undo removes all it has.
  // The citizen named as the register holds them now: a candidate merged since the case opened is their survivor.
  const named = decision.citizen_id ? await currentCitizenId(client, decision.citizen_id) : null;
  const changed = [observation ? await standingLinkOf(client, reviewCase, observation) : null, named, decision.other_citizen_id];
  await lockCitizensInOrder(client, changed);
  if (observation) mustNotHaveMoved(changed[0], await standingLinkOf(client, reviewCase, observation), 'decision');
  // Read before its lock, the citizen may have been merged since: its survivor is not locked, so the decision is not taken on it.
  if (named && (await currentCitizenId(client, named)) !== named)
    refuse('the citizen was merged into another meanwhile: decide again', 'CITIZEN_MERGED_MEANWHILE');
  const claimsBefore = await registerClaimsOf(client, changed);
  // A case about a link left standing whose record is not linked any more (deleted at its source, or taken off by a
  // decision on another of its cases): linking it, or making a citizen of it, would bring back what was taken away.
  if (observation && isStandingLinkCase(reviewCase) && !changed[0] && decision.action !== 'REJECT')
    refuse(
      'the record is not linked any more (deleted at its source, or taken off its citizen, since the case was opened): reject the case',
      'RECORD_NOT_LINKED',
    );
  // A case of any other reason whose record's latest event is its deletion (a deletion closes the cases no steward holds,
  // plan-decisions.ts): a link, a new citizen or a merge linking it would bring back what its source deleted.
  const deleted = observation !== null && (await deletedAtSource(client, observation));
  if (deleted && decision.action !== 'REJECT') refuse("the record was deleted at its source after the case's event: reject the case", 'RECORD_DELETED');
  switch (decision.action) {
    case 'LINK': {
      if (!observation) refuse('a duplicate case is decided by MERGE or DISTINCT');
      const citizenId = required(decision.citizen_id, 'LINK names the citizen');
      if (!caseCitizens(reviewCase).includes(citizenId)) await mustExist(client, citizenId);
      // To the survivor of a candidate merged since, locked above: the merged citizen is neither edited nor locked after them (citizen-locks.ts).
      result = await linkRecord(client, decision, reviewCase, observation, named ?? citizenId, context);
      await constrain(client, 'MUST_LINK', recordSubject(observation), [citizenId], decision.decision_id);
      break;
    }
    case 'NEW': {
      if (!observation) refuse('a duplicate case is decided by MERGE or DISTINCT');
      const standing = await standingLinkOf(client, reviewCase, observation);
      // Taken off the citizen it stands on, the record makes the new citizen of its latest observation (read above, its keys locked).
      const latest = made ?? observation;
      if (standing) await unlinkRecord(client, decision, observation, context, { movedTo: newCitizenId(latest) });
      const applied = await applyAsLinkDecision(client, decision, reviewCase, latest, 'NEW', null, context);
      if (applied === 'deleted') refuse('the record was deleted at its source after this event: reject the case', 'RECORD_DELETED');
      if (applied !== 'CITIZEN_CREATED')
        refuse(`the record could not make a new citizen (${applied}): its personal ID may belong to a citizen already`, 'PERSONAL_ID_TAKEN');
      result = { citizen_id: newCitizenId(latest), ...(standing ? { applied_observation_id: latest.observation_id } : {}) };
      await constrain(client, 'CANNOT_LINK', recordSubject(observation), caseCitizens(reviewCase), decision.decision_id);
      break;
    }
    case 'REJECT': {
      if (!observation) refuse('a duplicate case is decided by MERGE or DISTINCT');
      // A link the pipeline kept standing while it doubted it is the link the steward rejects: the
      // record comes off that citizen, and a later look may not put it back. Not once the record was
      // deleted after the case's event: that link went with the deletion, and a link the record has
      // now is of its life made again at its source, which this case is not about.
      const standing = deleted ? null : await standingLinkOf(client, reviewCase, observation);
      if (standing) {
        await unlinkRecord(client, decision, observation, context, { movedTo: null });
        await constrain(client, 'CANNOT_LINK', recordSubject(observation), [standing], decision.decision_id);
      }
      await reject(client, decision, observation, context, deleted);
      result = {};
      break;
    }
    case 'MERGE': {
      const survivorId = required(decision.citizen_id, 'MERGE names the survivor');
      const mergedId = required(decision.other_citizen_id, 'MERGE names the citizen merged into the survivor');
      const involved = caseCitizens(reviewCase);
      if (!involved.includes(survivorId) || !involved.includes(mergedId)) refuse('a merge joins two citizens of the case');
      const merge = await mergeCitizensIn(client, context, survivorId, mergedId, stewardActor(decision.actor), decision.comment).catch(refuseDancuError);
      result = { merge_id: merge.mergeId };
      if (observation) Object.assign(result, await linkRecord(client, decision, reviewCase, observation, survivorId, context));
      break;
    }
    case 'DISTINCT': {
      if (!isDuplicateCase(reviewCase)) refuse('DISTINCT decides a duplicate case; a record is not linked by NEW or REJECT');
      const [first, second] = caseCitizens(reviewCase) as [string, string];
      await constrain(client, 'CANNOT_LINK', citizenSubject(first), [second], decision.decision_id);
      await constrain(client, 'CANNOT_LINK', citizenSubject(second), [first], decision.decision_id);
      result = {};
      break;
    }
    default:
      throw new DancuError('UNKNOWN_ACTION', `unknown steward action ${String(decision.action)}`, { retriable: false });
  }
  if (observation && isStandingLinkCase(reviewCase)) await keepNoStandingLink(client, decision.decision_id);
  await keepRegisterClaimsWritten(client, decision.decision_id, await registerClaimsWritten(client, changed, claimsBefore));
  await client.query(
    `update review_cases set status = 'DECIDED', decided_by = $2, decided_at = now(), resolution = $3, claimed_by = null, claimed_at = null where case_id = $1`,
    [reviewCase.case_id, decision.actor, decision.action],
  );
  return result;
}

async function undo(client: PoolClient, decision: StewardDecision, reviewCase: ReviewCase, context: StewardContext): Promise<Record<string, unknown>> {
  const undoneId = required(decision.undoes, 'UNDO names the decision undone');
  const { rows } = await client.query<StoredDecision>(
    'select decision_id, case_id::int as case_id, action, citizen_id, other_citizen_id, result, undone_by, applied_at from steward_decisions where decision_id = $1 for update',
    [undoneId],
  );
  const target = rows[0];
  if (!target || target.case_id !== reviewCase.case_id) refuse('no such decision on this case');
  if (target.action === 'UNDO')
    refuse('an undo is not undone: the undo opened the case again, so decide it anew (if it was decided since, undo that decision first)');
  if (target.undone_by) refuse(`the decision was undone already by ${target.undone_by}`, 'ALREADY_UNDONE');
  const applied = target.result as { status?: string; result?: Record<string, unknown> } | null;
  if (applied?.status !== 'applied') refuse('the decision was not applied, so there is nothing to undo', 'NOT_APPLIED');
  if (await laterDecisionStands(client, reviewCase.case_id, undoneId))
    refuse('a later decision on the case stands, or waits to be applied: undo that one first', 'LATER_DECISION_STANDS');

  // Under the record's lock (applyStewardDecision): a deletion of it applied meanwhile is seen, or waits for the undo (citizen-locks.ts).
  const observation = caseObservation(reviewCase);
  const made = applied.result ?? {};
  const result: Record<string, unknown> = { undone: undoneId };
  // A decision on a case about a standing link changed that link: its undo takes off what it applied (the record's latest observation) and puts the link back as it stood.
  const standing = observation && isStandingLinkCase(reviewCase) ? await standingLinkOfDecision(client, undoneId) : null;
  const appliedObservation = observation && standing ? (observationToApply(observation, standing.link.observation) ?? observation) : observation;
  if (observation && standing && !standing.kept) await mustHaveNoPendingObservation(client, observation, reviewCase.case_id);
  // The undo edits the citizen the record is on now, the one it goes back to and a merge's two, in that order: all locked first, in id order.
  const changed = [
    appliedObservation ? await linkedCitizenOf(client, appliedObservation) : null,
    standing && !standing.kept ? standing.link.citizen_id : null,
    ...(target.action === 'MERGE' ? [target.citizen_id, target.other_citizen_id] : []),
  ];
  await lockCitizensInOrder(client, changed);
  if (appliedObservation) mustNotHaveMoved(changed[0], await linkedCitizenOf(client, appliedObservation), 'undo');
  const claimsBefore = await registerClaimsOf(client, changed);
  const takeOff = async (o: PersonObservation) => {
    if (standing) await mustBeLinkedBy(client, o, undoneId);
    // A confirmation that applied a waiting observation: the record is cleared on the citizen it
    // stays on, and written back as it stood there, recounted once (putBackRecord).
    if (standing && !standing.kept && changed[0] === standing.link.citizen_id) {
      await deleteRecordOn(client, standing.link.citizen_id, o, context, true);
      return standing.link.citizen_id;
    }
    return unlinkRecord(client, decision, o, context);
  };
  const putBack = async () => {
    if (observation && standing && !standing.kept) await putBackRecord(client, decision, standing, observation, context);
  };
  switch (target.action) {
    case 'LINK':
      if (standing?.kept) result.citizen_id = await restoreLinkRow(client, standing, undoneId);
      else if (appliedObservation) result.citizen_id = await takeOff(appliedObservation);
      break;
    case 'NEW':
      if (standing && appliedObservation) await mustBeLinkedBy(client, appliedObservation, undoneId);
      if (appliedObservation) result.citizen_id = await removeCreatedCitizen(client, decision, appliedObservation, String(made.citizen_id), context);
      break;
    case 'REJECT':
      await client.query(`update observation_outcomes set outcome = 'UNDONE' where decision_id = $1`, [undoneId]);
      break;
    case 'MERGE':
      if (standing?.kept) await restoreLinkRow(client, standing, undoneId);
      else if (appliedObservation) await takeOff(appliedObservation);
      // Undone in the reverse order of the decision: the record as it stood after the merge first
      // (on the survivor, when its citizen was the one merged), for the merge's undo to move it
      // back with the rest of what the merge moved (merge-moves.ts, moveBack).
      await putBack();
      await undoMergeIn(client, context, Number(made.merge_id), stewardActor(decision.actor), decision.comment).catch(refuseDancuError);
      result.merge_id = made.merge_id;
      break;
    case 'DISTINCT':
      break;
  }
  if (standing) result.restored_link = standing.link.decision_id;
  if (target.action !== 'MERGE') await putBack();
  if (observation && standing && !standing.kept) result.restored_to = await linkedCitizenOf(client, observation);
  // The register claims the decision and this undo wrote down go again, now the citizens' fields are chosen: their histories are as they were.
  await dropLoneRegisterClaims(
    client,
    [...(await registerClaimsKeptBy(client, undoneId)), ...(await registerClaimsWritten(client, changed, claimsBefore))],
    changed,
  );
  await client.query('update linkage_constraints set revoked_at = now() where decision_id = $1 and revoked_at is null', [undoneId]);
  await client.query('update steward_decisions set undone_by = $2 where decision_id = $1', [undoneId, decision.decision_id]);
  await client.query(
    `update review_cases set status = 'OPEN', decided_by = null, decided_at = null, resolution = null, claimed_by = null, claimed_at = null where case_id = $1`,
    [reviewCase.case_id],
  );
  return result;
}

/**
 * Whether a decision on the case made after `undoneId` stands on what it did, for that one to be
 * undone first: one applied and not undone, or one not applied yet (it may be). One the register
 * refused never took effect, and cannot be undone itself: it does not hold the undo back.
 */
async function laterDecisionStands(client: PoolClient, caseId: number, undoneId: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `select 1 from steward_decisions
      where case_id = $1 and decided_at > (select decided_at from steward_decisions where decision_id = $2) and decision_id <> $2
        and action <> 'UNDO' and undone_by is null and (result->>'status') is distinct from 'refused'`,
    [caseId, undoneId],
  );
  return (rowCount ?? 0) > 0;
}

/** Whether another decision on the case took effect and is not undone (an undo of it, applied, reopened the case). Under the case's lock. */
async function otherDecisionStands(client: PoolClient, caseId: number, decisionId: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `select 1 from steward_decisions
      where case_id = $1 and decision_id <> $2 and ${STANDING}`,
    [caseId, decisionId],
  );
  return (rowCount ?? 0) > 0;
}

function required(value: string | null, what: string): string {
  if (!value) refuse(what);
  return value;
}

/** The merge's own refusals a steward can act on (citizen-merges.ts), by the code the steward UI says them with. */
const MERGE_REFUSALS: Partial<Record<ErrorCode, RefusalCode>> = {
  CITIZEN_ALREADY_MERGED: 'CITIZEN_MERGED_MEANWHILE',
  MERGE_ALREADY_UNDONE: 'MERGE_ALREADY_UNDONE',
};

function refuseDancuError(error: unknown): never {
  if (error instanceof DancuError && !error.retriable) refuse(error.message, MERGE_REFUSALS[error.code]);
  throw error;
}

async function mustExist(client: PoolClient, citizenId: string): Promise<void> {
  const { rowCount } = await client.query(`select 1 from citizens where citizen_id = $1 and status <> 'MERGED'`, [citizenId]);
  if (!rowCount) refuse('no such citizen in the register');
}

/** The case's record as a link decision of the steward's: applied by the same writer as the linker's. */
async function applyAsLinkDecision(
  client: PoolClient,
  decision: StewardDecision,
  reviewCase: ReviewCase,
  observation: PersonObservation,
  kind: 'LINK' | 'NEW',
  citizenId: string | null,
  context: StewardContext,
) {
  // The candidate the steward named, though merged since into the citizen the record goes to.
  const candidate = reviewCase.candidates.find((c) => c.citizen_id === (decision.citizen_id ?? citizenId));
  const link: LinkDecision = {
    decision_id: decision.decision_id,
    decision: kind,
    citizen_id: citizenId,
    score: candidate?.score ?? 0,
    method: 'STEWARD',
    reason: 'STEWARD_DECISION',
    candidates: reviewCase.candidates,
    explanation: {
      ...(candidate?.explanation ?? reviewCase.explanation),
      summary: `Decided by a data steward: ${kind === 'LINK' ? 'the same person' : 'a person not yet in the register'}.${appliedNote(caseObservation(reviewCase) ?? observation, observation)}`,
    },
    evidence: null,
    settings_version: reviewCase.settings_version ?? '',
    decided_at: decision.decided_at,
    observation,
  };
  const [applied] = await applyDecisions(client, [link], context);
  return applied;
}

/**
 * The citizen a case's record is linked to now, for a case opened about a link a settings change
 * or a change of the register left standing (SETTINGS_LINK_*, REGISTER_LINK_*): its observation is applied to that
 * citizen already; or about a later event of the record the linker doubted
 * (LINKED_RECORD_CONTRADICTED), which waits. Null for any other case, whose record the steward's decision links first.
 * The record's lock and the case row are held (applyStewardDecision), which the store takes too
 * before it decides the record again or deletes it, so the link read here is the one the decision changes.
 */
async function standingLinkOf(client: PoolClient, reviewCase: ReviewCase, o: PersonObservation): Promise<string | null> {
  return isStandingLinkCase(reviewCase) ? linkedCitizenOf(client, o) : null;
}

/** The citizen a case's record is linked to now, whatever the case; null when it is not linked. */
async function linkedCitizenOf(client: PoolClient, o: PersonObservation): Promise<string | null> {
  const { rows } = await client.query<{ citizen_id: string }>(
    'select citizen_id from record_links where source = $1 and source_system = $2 and source_record_id = $3',
    [o.source, o.source_system, o.source_record_id],
  );
  return rows[0]?.citizen_id ?? null;
}

/**
 * Links a case's record to the citizen the steward names, as the register holds them now (a
 * candidate merged since: their survivor, whom the decision locked). On a case about a standing link, the
 * record's observation is applied already: confirming the citizen keeps it (the link becomes the
 * steward's; the fact and claims stay as they are); an observation that waits (the linker's doubt
 * about a later event) is applied then, to the same citizen, as a later event that follows its
 * link is. Naming another takes the record off the citizen it is linked to (link, facts, claims;
 * that citizen recomputed) before linking it to the
 * other, as any first link, with the record's latest observation (its fact and claims recorded
 * there): one received after the case opened is the record as it is now. Either way the link as
 * it stood is kept with the decision, for its undo. Returns the citizen linked to, and the
 * observation a move applied.
 */
async function linkRecord(
  client: PoolClient,
  decision: StewardDecision,
  reviewCase: ReviewCase,
  observation: PersonObservation,
  citizenId: string,
  context: StewardContext,
): Promise<Record<string, unknown>> {
  const standing = await standingLinkOf(client, reviewCase, observation);
  if (standing !== null && standing === citizenId) {
    // A waiting observation is applied to the citizen confirmed, beside the record's earlier ones;
    // the record as it stood is kept whole, for the undo to write back.
    const waiting = caseObservationWaits(reviewCase) ? await observationToConfirm(client, observation) : null;
    await keepStandingLink(client, decision.decision_id, observation, waiting !== null);
    if (!waiting) return { citizen_id: await confirmLink(client, decision, observation, standing) };
    if ((await applyAsLinkDecision(client, decision, reviewCase, waiting, 'LINK', standing, context)) === 'deleted')
      refuse('the record was deleted at its source after this event: reject the case', 'RECORD_DELETED');
    return { citizen_id: standing, applied_observation_id: waiting.observation_id };
  }
  const latest = standing !== null ? await latestObservationOf(client, observation) : observation;
  if (standing !== null) await unlinkRecord(client, decision, observation, context, { movedTo: citizenId });
  const applied = await applyAsLinkDecision(client, decision, reviewCase, latest, 'LINK', citizenId, context);
  if (applied === 'duplicate') refuse('the record is linked already');
  // The store sets aside an event its record's deletion follows (plan-decisions.ts): nothing was linked.
  if (applied === 'deleted') refuse('the record was deleted at its source after this event: reject the case', 'RECORD_DELETED');
  return {
    citizen_id: (await linkedCitizenOf(client, observation)) ?? citizenId,
    ...(standing !== null ? { applied_observation_id: latest.observation_id } : {}),
  };
}

/**
 * The record's link read again once the citizens are locked: a merge and its undo move a citizen's
 * links under the two citizens' locks only, not the record's (citizen-locks.ts), so one committed
 * between the first read and those locks left the record on a citizen not locked, whom the decision
 * would edit (take the record off, its values chosen again) while another transaction may change
 * them. Not followed through merges, as a deletion's is (decision-load.ts, mustStillBeLinked): a
 * merged citizen's survivor is not locked here. The store's chunk fails retriably, and its retry
 * reads the link again and locks that citizen in order.
 */
function mustNotHaveMoved(read: string | null | undefined, now: string | null, what: 'decision' | 'undo'): void {
  if (now !== (read ?? null))
    throw new DancuError('RECORD_MOVED_MEANWHILE', `the record of a steward's ${what} moved to another citizen after the ${what} read its link`, {
      retriable: true,
    });
}

/** A citizen id as the register holds it now: a merged citizen's survivor. */
async function currentCitizenId(client: PoolClient, citizenId: string): Promise<string> {
  const { rows } = await client.query<{ merged_into: string | null }>('select merged_into from citizens where citizen_id = $1', [citizenId]);
  return rows[0]?.merged_into ?? citizenId;
}

/** The steward confirms the citizen a record is linked to: the link is theirs from now on, nothing of the citizen changes. */
async function confirmLink(client: PoolClient, decision: StewardDecision, o: PersonObservation, citizenId: string): Promise<string> {
  await client.query(
    `update record_links set decision_id = $4, method = 'STEWARD', reason = 'STEWARD_DECISION' where source = $1 and source_system = $2 and source_record_id = $3`,
    [o.source, o.source_system, o.source_record_id, decision.decision_id],
  );
  return citizenId;
}

async function constrain(client: PoolClient, kind: 'CANNOT_LINK' | 'MUST_LINK', subject: string, citizenIds: string[], decisionId: string): Promise<void> {
  await client.query('insert into linkage_constraints (kind, subject, citizen_id, decision_id) select $1, $2, id, $4 from unnest($3::text[]) as id', [
    kind,
    subject,
    citizenIds,
    decisionId,
  ]);
}

/**
 * A record rejected by a steward: no citizen changes; its source is told on its feedback topic, as
 * for a record ingest rejects, unless it deleted the record since (`deleted`): to correct and send
 * again what it deleted would be false feedback.
 */
async function reject(client: PoolClient, decision: StewardDecision, o: PersonObservation, context: StewardContext, deleted: boolean): Promise<void> {
  await client.query(
    `insert into observation_outcomes (decision_id, observation_id, source, event_type, outcome) values ($1, $2, $3, $4, 'REJECTED') on conflict (decision_id) do nothing`,
    [decision.decision_id, o.observation_id, o.source, o.event_type],
  );
  if (deleted || !isSourceName(o.source)) return;
  const rejection: Rejection = {
    source: o.source,
    source_system: o.source_system,
    source_record_id: o.source_record_id,
    source_topic: o.source_topic,
    source_partition: o.source_partition,
    source_offset: o.source_offset,
    reason: 'STEWARD_REJECTED',
    rules: [{ code: 'STEWARD_REJECTED', path: '', message: 'A data steward reviewed the record and could not attribute it to a citizen.' }],
    message: 'A data steward reviewed the record and rejected it: correct its identifying fields at the source and send it again.',
    rejected_at: decision.decided_at,
    source_change: null,
  };
  await addToOutbox(client, {
    eventId: `${decision.decision_id}:feedback`,
    topic: context.topics[SOURCE_TOPICS[o.source].feedback],
    key: o.source_record_id,
    recordType: 'rejection',
    payload: rejection,
  });
}

/**
 * Takes a linked record back off its citizen: the link, the facts and the field values it
 * brought go, and every field is chosen again from what is left, so the citizen is as if the
 * record had never been linked. Returns the citizen it was linked to. An undo takes off what
 * the undone decision brought (its observation); a move to another citizen takes the whole
 * source record off (every fact and claim of it), since it was never this citizen's, and keeps
 * what it took off with the decision, for its undo to put back.
 */
async function unlinkRecord(
  client: PoolClient,
  decision: StewardDecision,
  o: PersonObservation,
  context: StewardContext,
  move?: { movedTo: string | null },
): Promise<string> {
  if (move) await keepStandingLink(client, decision.decision_id, o, true);
  const citizenId = await linkedCitizenOf(client, o);
  if (!citizenId) refuse('the record is not linked any more', 'RECORD_NOT_LINKED');
  await deleteRecordOn(client, citizenId, o, context, move !== undefined);
  const writer = new CitizenEdits(client, context);
  await writer.load([citizenId]);
  const changes = writer.recompute(writer.citizen(citizenId)!);
  writer.addOutbox(observationUpdate(`${decision.decision_id}:${citizenId}`, citizenId, 'RECORD_UNLINKED', o, changes, null, context.now));
  writer.addAuditBy(stewardActor(decision.actor), 'RECORD_UNLINKED', citizenId, {
    decision_id: decision.decision_id,
    ...(move ? { moved_to: move.movedTo } : { undoes: decision.undoes }),
    fields: changes.map((c) => c.field),
  });
  await writer.write();
  // The record took some of the citizen's identity with it: records in reach of who they are now are looked at again, but not this one, which the steward decides.
  if (changesIdentity(changes)) {
    await settledInTransaction(client, [o.observation_id]);
    await reexamineAfterChanges(client, context, [{ citizenId, trigger: 'UNLINKED', row: writer.citizen(citizenId)!.row }]);
  }
  return citizenId;
}

/** Undoing a steward's new citizen removes them, as long as nothing else has been linked to them since. */
async function removeCreatedCitizen(
  client: PoolClient,
  decision: StewardDecision,
  o: PersonObservation,
  citizenId: string,
  context: StewardContext,
): Promise<string> {
  const others = await client.query(
    `select 1 from record_links where citizen_id = $1 and not (source = $2 and source_system = $3 and source_record_id = $4)
     union all select 1 from citizen_merges where (survivor_id = $1 or merged_id = $1) and undone_at is null`,
    [citizenId, o.source, o.source_system, o.source_record_id],
  );
  if ((others.rowCount ?? 0) > 0)
    refuse('other records have been linked to the new citizen since (or it was merged): unlink those first', 'NEW_CITIZEN_LINKED_SINCE');
  for (const table of ['record_links', 'citizen_facts', 'field_provenance', 'citizen_blocking_keys']) {
    await client.query(`delete from ${table} where citizen_id = $1`, [citizenId]);
  }
  await client.query('delete from citizens where citizen_id = $1', [citizenId]);
  await client.query(`update observation_outcomes set outcome = 'UNDONE' where observation_id = $1 and outcome = 'CREATED'`, [o.observation_id]);
  const writer = new CitizenEdits(client, context);
  writer.addOutbox(observationUpdate(`${decision.decision_id}:${citizenId}`, citizenId, 'CITIZEN_REMOVED', o, [], null, context.now));
  writer.addAuditBy(stewardActor(decision.actor), 'CITIZEN_REMOVED', citizenId, { decision_id: decision.decision_id, undoes: decision.undoes });
  await writer.write();
  return citizenId;
}
