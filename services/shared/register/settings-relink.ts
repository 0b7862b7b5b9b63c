import type { LinkageSettings } from '../linkage/settings.js';
import type { LinkDecision } from '../schemas/records.js';

/** A record's link as the register holds it when new settings decide the record again. */
export interface StandingLink {
  citizenId: string;
  /** `STEWARD` when a steward made it. */
  method: string;
  /** The citizen was registered from this very record (a birth): moving the record would leave them without it. */
  createdByRecord: boolean;
}

/**
 * What becomes of a linked record that new settings decide again:
 * - `STEWARD_KEEPS`: a steward's link (a must-link) stands, whatever the settings say;
 * - `KEEP`: the same citizen; the link now names the new version and its evidence;
 * - `REVIEW_MOVED`: the new settings link elsewhere: the link stays and a steward sees both —
 *   even when the new evidence is decisive (the case and the audit log say so). Moving a link
 *   moves the record's claims and facts from one citizen to another and recomputes both; a
 *   steward's decision on the case does that, a settings change alone never does (a review found
 *   that a move planned here withdrew the record's fact from the old citizen and never recorded
 *   it on the new one);
 * - `REVIEW_DOUBTED`: the new settings would not link (review, a new citizen, unlinked): the link
 *   stays and a steward decides; a link is never undone silently.
 */
export type RelinkOutcome = 'STEWARD_KEEPS' | 'KEEP' | 'REVIEW_MOVED' | 'REVIEW_DOUBTED';

type Redecided = Pick<LinkDecision, 'decision' | 'citizen_id' | 'score' | 'reason' | 'candidates'>;

/**
 * New evidence is decisive (shown to the steward who decides the move, not acted on alone) when, under the new
 * settings, the record links to the other citizen outright (reason MATCH: at or above
 * `link_probability`, clear of the runner-up by `min_margin_weight`, no required field
 * disagreeing) *and* the citizen it is linked to now was weighed and fell below
 * `review_probability`: the settings would not even ask a steward about them, as for any record
 * they would link. When the current citizen was not among the candidates weighed (the new
 * settings did not see them) or still reaches review, a steward decides: a wrong link is worse
 * than a late one.
 */
export function decisiveMove(standing: StandingLink, redecided: Redecided, thresholds: LinkageSettings['thresholds']): boolean {
  if (redecided.decision !== 'LINK' || redecided.reason !== 'MATCH' || redecided.citizen_id === standing.citizenId) return false;
  if (redecided.score < thresholds.link_probability) return false;
  const weighed = redecided.candidates.find((candidate) => candidate.citizen_id === standing.citizenId);
  return weighed !== undefined && weighed.score < thresholds.review_probability;
}

export function relinkOutcome(standing: StandingLink, redecided: Redecided): RelinkOutcome {
  if (standing.method === 'STEWARD') return 'STEWARD_KEEPS';
  if (redecided.decision === 'LINK' && redecided.citizen_id === standing.citizenId) return 'KEEP';
  if (redecided.decision === 'LINK' && redecided.citizen_id) return 'REVIEW_MOVED';
  return 'REVIEW_DOUBTED';
}
