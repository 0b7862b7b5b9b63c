import type { RefusalCode } from './steward-refusal.js';

/** A decision a steward may take on a case (a merge is proposed, and applied once a second steward approves it). */
export type CaseAction = 'LINK' | 'NEW' | 'REJECT' | 'MERGE' | 'DISTINCT';

export interface CaseFacts {
  /** A possible duplicate pair of citizens, rather than a record with candidates. */
  duplicate: boolean;
  /** Candidate citizens still in the register (not merged away, not removed). */
  activeCandidates: number;
  /** The record's personal ID belongs to a citizen already: a new citizen could not be made of it. */
  personalIdTaken: boolean;
  /** The record was deleted at its source after the case's event (standing-link.ts, deletedAtSource): the register applies only a rejection. */
  deletedAtSource: boolean;
}

/**
 * The decisions a case allows, so that the UI offers only what the register can apply: a record
 * may be linked to a candidate, made a new citizen (unless its ID is someone's already), rejected,
 * or have two of its candidates merged; a duplicate pair is merged or declared two people. A
 * record deleted at its source is only rejected: a link, a new citizen or a merge would bring it
 * back (actionsLimitedBy says why; steward-apply.ts refuses them anyway).
 */
export function allowedActions(facts: CaseFacts): CaseAction[] {
  if (facts.duplicate) return facts.activeCandidates >= 2 ? ['MERGE', 'DISTINCT'] : ['DISTINCT'];
  if (facts.deletedAtSource) return ['REJECT'];
  const actions: CaseAction[] = [];
  if (facts.activeCandidates >= 1) actions.push('LINK');
  if (!facts.personalIdTaken) actions.push('NEW');
  actions.push('REJECT');
  if (facts.activeCandidates >= 2) actions.push('MERGE');
  return actions;
}

/** Why a record's case allows only some of a record's decisions whatever its candidates: the refusal the register would give the others; null when nothing but its candidates and ID limits them. */
export function actionsLimitedBy(facts: CaseFacts): RefusalCode | null {
  return !facts.duplicate && facts.deletedAtSource ? 'RECORD_DELETED' : null;
}
