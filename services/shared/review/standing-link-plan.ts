import { currentObservations } from '../linkage/current-observations.js';
import type { PersonObservation, SectorFact } from '../schemas/records.js';

/**
 * A link a steward's decision changed, as it stood before (steward_decisions.standing_link,
 * migration 022): its row and, when the decision took the record off its citizen, the record's
 * facts and field history there and the outcomes of its observations, every column as stored.
 */
export interface StandingLink {
  /** The record_links row; null when no link stood any more when the steward decided. */
  link: StoredLink | null;
  /** The link stayed where it was (a confirmation): only its row changed, nothing was taken off the citizen. */
  kept?: boolean;
  facts?: StoredRow[];
  claims?: StoredRow[];
  outcomes?: { decision_id: string; outcome: string }[];
}

export type StoredRow = Record<string, unknown>;

export interface StoredLink extends StoredRow {
  citizen_id: string;
  decision_id: string;
  /** The record's latest observation (migration 020); null on a link made before the register kept it. */
  observation: PersonObservation | null;
}

interface StoredFact extends StoredRow {
  observation_id: string;
  kind: string;
  fact_date: string | null;
  details: Record<string, string>;
  withdrawn_at: string | null;
}

/**
 * The observation a steward's move, or new citizen, applies where a link stood: the record's
 * latest, by the rule a settings change sends records back by (current-observations.ts), of the
 * case's and the one its link holds, since the record may have been observed again after the case
 * opened. The case's own when it is that one (it carries the case's attempt; a tie is the case's).
 * Null when the latest is a deletion: there is nothing left to apply. (Whether the record was
 * deleted after the case's event is standing-link.ts's deletedAtSource.)
 */
export function observationToApply(caseObservation: PersonObservation, linked: PersonObservation | null): PersonObservation | null {
  const others = linked && linked.observation_id !== caseObservation.observation_id ? [linked] : [];
  const [latest] = currentObservations([...others, caseObservation]);
  return latest ?? null;
}

/** What the explanation of a steward's link adds when it applied a later observation than the case's. */
export function appliedNote(caseObservation: Pick<PersonObservation, 'observation_id'>, applied: Pick<PersonObservation, 'observation_id'>): string {
  return applied.observation_id === caseObservation.observation_id
    ? ''
    : ` Applied the record's latest observation (${applied.observation_id}), received after the case was opened.`;
}

/** The fact a link put back brings again: the live one of the observation it names (the population update says it). */
export function liveFactOf(standing: StandingLink, observationId: string): SectorFact | null {
  const fact = (standing.facts as StoredFact[] | undefined)?.find((f) => f.observation_id === observationId && f.withdrawn_at === null);
  return fact ? { kind: fact.kind, date: fact.fact_date, details: fact.details } : null;
}
