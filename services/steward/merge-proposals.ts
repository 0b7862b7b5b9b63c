import type { Topics } from '../shared/schemas/topics.js';
import { mergePreview, type MergePreview } from '../shared/register/merge-preview.js';
import type { Survivorship } from '../shared/register/survivorship.js';
import { evidenceAgainstText, judgeMergeEvidence, type MergeEvidence } from '../shared/review/merge-evidence.js';
import { neverLinkOfMerge } from '../shared/review/merge-never-link.js';
import { hasRole, stewardActor } from '../shared/review/steward-users.js';
import type { StewardDecision } from '../shared/schemas/records.js';
import { appendAudit } from '../shared/store/audit-log.js';
import { inRetriedTransaction, type Pool, type PoolClient } from '../shared/store/db.js';
import { mergeSides } from '../shared/store/merge-sides.js';
import { caseCitizens, findCase, type ReviewCase } from '../shared/store/review-case.js';
import { caseActions, decideLocked, lockedCase, QueueRefusal, type Actor } from './case-queue.js';

export interface MergeRequest {
  survivorId: string;
  mergedId: string;
}

export interface ProposalRequest extends MergeRequest {
  comment: string;
  /** A supervisor's reason to merge although the evidence is strongly against it. */
  overrideReason?: string | undefined;
}

export interface MergeProposal {
  proposal_id: number;
  case_id: number;
  survivor_id: string;
  merged_id: string;
  proposed_by: string;
  comment: string;
  evidence: MergeEvidence;
  override_reason: string | null;
  status: 'PROPOSED' | 'APPROVED' | 'REJECTED';
  proposed_at: Date;
  reviewed_by: string | null;
  review_comment: string | null;
  reviewed_at: Date | null;
  decision_id: string | null;
}

const PROPOSAL_COLUMNS =
  'proposal_id::int as proposal_id, case_id::int as case_id, survivor_id, merged_id, proposed_by, comment, evidence, override_reason, status, proposed_at, reviewed_by, review_comment, reviewed_at, decision_id';

/** Both citizens named, different, of the case, and still in the register; refused otherwise. */
async function namedPair(db: Pool | PoolClient, reviewCase: ReviewCase, { survivorId, mergedId }: MergeRequest) {
  const citizens = caseCitizens(reviewCase);
  if (survivorId === mergedId || !citizens.includes(survivorId) || !citizens.includes(mergedId))
    throw new QueueRefusal(422, 'DECISION_NOT_ALLOWED', 'a merge names two different citizens of the case: the one kept and the one merged into them');
  const sides = await mergeSides(db, survivorId, mergedId);
  if (!sides) throw new QueueRefusal(422, 'DECISION_NOT_ALLOWED', 'both citizens of a merge must still be in the register');
  return sides;
}

/** The merged record a merge of the case's two citizens would leave, and what the evidence says; audited as a view of both. */
export async function previewMerge(
  pool: Pool,
  survivorship: Survivorship,
  caseId: number,
  user: Actor,
  request: MergeRequest,
): Promise<{ preview: MergePreview; evidence: MergeEvidence }> {
  const reviewCase = await findCase(pool, caseId);
  if (!reviewCase) throw new QueueRefusal(404, 'CASE_NOT_FOUND', 'no such review case');
  const [survivor, merged] = await namedPair(pool, reviewCase, request);
  await appendAudit(pool, stewardActor(user.username), 'MERGE_PREVIEWED', [request.survivorId, request.mergedId], {
    case_id: caseId,
    source_address: user.sourceAddress,
  });
  const evidence = judgeMergeEvidence(survivor.row, merged.row, await neverLinkOfMerge(pool, reviewCase, survivor.row, merged.row));
  return { preview: mergePreview(survivorship, survivor, merged), evidence };
}

/**
 * Proposes a merge: nothing changes in the register until a second steward approves it. A merge
 * the evidence is strongly against (different IDs and birth years, or a never_link rule holding
 * for the pair: twins) is refused, unless a supervisor overrides it with a reason.
 */
export async function proposeMerge(pool: Pool, caseId: number, user: Actor, request: ProposalRequest, expectedVersion?: number): Promise<MergeProposal> {
  if (request.comment.trim() === '') throw new QueueRefusal(422, 'COMMENT_REQUIRED', 'a merge proposal needs a comment saying why');
  const override = request.overrideReason?.trim() || null;
  return inRetriedTransaction(pool, async (client) => {
    const reviewCase = await lockedCase(client, caseId, expectedVersion);
    if (reviewCase.status === 'DECIDED') throw new QueueRefusal(409, 'CASE_DECIDED', 'the case is decided already');
    if (!(await caseActions(client, reviewCase)).includes('MERGE')) throw new QueueRefusal(422, 'DECISION_NOT_ALLOWED', 'this case allows no merge');
    const [survivor, merged] = await namedPair(client, reviewCase, request);
    const evidence = judgeMergeEvidence(survivor.row, merged.row, await neverLinkOfMerge(client, reviewCase, survivor.row, merged.row));
    if (evidence.against && override === null)
      throw new QueueRefusal(422, 'MERGE_EVIDENCE_AGAINST', `${evidenceAgainstText(evidence)}: a supervisor may override this with a reason`);
    if (evidence.against && !hasRole(user.role, 'supervisor'))
      throw new QueueRefusal(403, 'OVERRIDE_NEEDS_SUPERVISOR', 'only a supervisor may override the evidence against a merge');
    const waiting = await client.query('select 1 from merge_proposals where case_id = $1 and status = $2', [caseId, 'PROPOSED']);
    if (waiting.rowCount) throw new QueueRefusal(409, 'MERGE_PROPOSED_ALREADY', 'a merge proposal on this case waits for approval already');
    const { rows } = await client.query<MergeProposal>(
      `insert into merge_proposals (case_id, survivor_id, merged_id, proposed_by, comment, evidence, override_reason)
       values ($1, $2, $3, $4, $5, $6, $7) returning ${PROPOSAL_COLUMNS}`,
      [caseId, request.survivorId, request.mergedId, user.username, request.comment.trim(), evidence, evidence.against ? override : null],
    );
    const proposal = rows[0]!;
    await appendAudit(client, stewardActor(user.username), 'MERGE_PROPOSED', [request.survivorId, request.mergedId], {
      case_id: caseId,
      proposal_id: proposal.proposal_id,
      evidence,
      override_reason: proposal.override_reason,
      source_address: user.sourceAddress,
    });
    return proposal;
  });
}

async function lockedProposal(client: PoolClient, proposalId: number): Promise<MergeProposal> {
  const { rows } = await client.query<MergeProposal>(`select ${PROPOSAL_COLUMNS} from merge_proposals where proposal_id = $1 for update`, [proposalId]);
  const proposal = rows[0];
  if (!proposal) throw new QueueRefusal(404, 'PROPOSAL_NOT_FOUND', 'no such merge proposal');
  if (proposal.status !== 'PROPOSED') throw new QueueRefusal(409, 'PROPOSAL_NOT_OPEN', `the merge proposal is ${proposal.status.toLowerCase()} already`);
  return proposal;
}

async function review(client: PoolClient, proposal: MergeProposal, user: Actor, status: 'APPROVED' | 'REJECTED', comment: string, decisionId: string | null) {
  await client.query(
    `update merge_proposals set status = $2, reviewed_by = $3, review_comment = $4, reviewed_at = now(), decision_id = $5 where proposal_id = $1`,
    [proposal.proposal_id, status, user.username, comment.trim(), decisionId],
  );
  await appendAudit(client, stewardActor(user.username), `MERGE_${status}`, [proposal.survivor_id, proposal.merged_id], {
    case_id: proposal.case_id,
    proposal_id: proposal.proposal_id,
    decision_id: decisionId,
    source_address: user.sourceAddress,
  });
}

/**
 * A second steward approves a proposed merge: the MERGE decision is published as theirs, with
 * both stewards' comments. The proposer cannot approve their own merge.
 */
export async function approveMerge(
  pool: Pool,
  topics: Topics,
  proposalId: number,
  user: Actor,
  comment: string,
  expectedVersion?: number,
): Promise<StewardDecision> {
  if (comment.trim() === '') throw new QueueRefusal(422, 'COMMENT_REQUIRED', 'an approval needs a comment saying why');
  return inRetriedTransaction(pool, async (client) => {
    const caseId = await proposalCase(client, proposalId);
    const reviewCase = await lockedCase(client, caseId, expectedVersion);
    const proposal = await lockedProposal(client, proposalId);
    if (proposal.proposed_by === user.username) throw new QueueRefusal(403, 'SAME_STEWARD', 'a merge is approved by a steward other than its proposer');
    const decision = await decideLocked(client, topics, reviewCase, user, {
      action: 'MERGE',
      citizenId: proposal.survivor_id,
      otherCitizenId: proposal.merged_id,
      comment: `${proposal.comment} — proposed by ${proposal.proposed_by}${proposal.override_reason ? ` (override: ${proposal.override_reason})` : ''}; approved: ${comment.trim()}`,
    });
    await review(client, proposal, user, 'APPROVED', comment, decision.decision_id);
    return decision;
  });
}

/** Rejects (or, by its proposer, withdraws) a proposed merge: the register is unchanged and the case open. */
export async function rejectMerge(pool: Pool, proposalId: number, user: Actor, comment: string, expectedVersion?: number): Promise<void> {
  if (comment.trim() === '') throw new QueueRefusal(422, 'COMMENT_REQUIRED', 'a rejection needs a comment saying why');
  await inRetriedTransaction(pool, async (client) => {
    await lockedCase(client, await proposalCase(client, proposalId), expectedVersion);
    await review(client, await lockedProposal(client, proposalId), user, 'REJECTED', comment, null);
  });
}

/** The case of a proposal: its row is locked before the proposal's, in the order every decision locks. */
async function proposalCase(client: PoolClient, proposalId: number): Promise<number> {
  const { rows } = await client.query<{ case_id: number }>('select case_id::int as case_id from merge_proposals where proposal_id = $1', [proposalId]);
  if (!rows[0]) throw new QueueRefusal(404, 'PROPOSAL_NOT_FOUND', 'no such merge proposal');
  return rows[0].case_id;
}

export async function caseProposals(pool: Pool, caseId: number): Promise<MergeProposal[]> {
  const { rows } = await pool.query<MergeProposal>(`select ${PROPOSAL_COLUMNS} from merge_proposals where case_id = $1 order by proposal_id`, [caseId]);
  return rows;
}
