import type { ComparisonExplanation, DecisionKind, LinkExplanation, NormalisedPerson } from '../schemas/records.js';
import { compareDatesOfBirth, compareNames, compareSexes, type FieldComparison } from './comparisons.js';

export interface DeterministicDecision {
  decision: DecisionKind;
  reason: string;
  score: number;
  explanation: LinkExplanation;
}

export interface DeterministicInput {
  record: NormalisedPerson;
  /** Whether the source may create a citizen (civil status may; other sectors may not). */
  mayCreate: boolean;
  /** The citizen found by personal ID or by an earlier link of the same source record, if any. */
  candidate: { person: NormalisedPerson; foundBy: 'personal_id' | 'source_record' } | null;
}

function explain(comparisons: FieldComparison[], found: ComparisonExplanation | null, summary: string): LinkExplanation {
  const entries: ComparisonExplanation[] = comparisons.map((c) => ({
    comparison: c.comparison,
    level: c.level,
    m: null,
    u: null,
    weight: c.agreement,
    sentence: c.sentence,
  }));
  if (found) entries.unshift(found);
  const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
  return { prior: 0, comparisons: entries, total, runner_up_score: null, summary };
}

/**
 * Deterministic linkage on the personal ID. The ID links only when the name or the date of birth
 * backs it and neither contradicts it: a mistyped ID that lands on another person must not merge
 * two identities. Weights are rule points (+1 agrees, -1 disagrees), not log-odds.
 */
export function decideDeterministic(input: DeterministicInput): DeterministicDecision {
  const { record, candidate, mayCreate } = input;
  if (!candidate) {
    const reason = record.personal_id ? 'PID_NOT_FOUND' : 'NO_PID';
    const decision: DecisionKind = mayCreate ? 'NEW' : 'REVIEW';
    const summary = record.personal_id
      ? 'No citizen has this personal ID.'
      : 'The record has no personal ID, so it cannot be linked deterministically.';
    return { decision, reason, score: 0, explanation: explain([], null, `${summary} ${mayCreate ? 'A new citizen is created.' : 'A steward decides.'}`) };
  }

  const found: ComparisonExplanation =
    candidate.foundBy === 'personal_id'
      ? { comparison: 'personal_id', level: 'exact', m: null, u: null, weight: 1, sentence: 'The personal IDs are the same.' }
      : { comparison: 'source_record', level: 'linked_before', m: null, u: null, weight: 1, sentence: 'An earlier event of the same source record was linked to this citizen.' };
  const comparisons = [compareNames(record, candidate.person), compareDatesOfBirth(record, candidate.person), compareSexes(record, candidate.person)];
  const [name, dob] = comparisons as [FieldComparison, FieldComparison, FieldComparison];
  const verdict = ((): { decision: DecisionKind; reason: string; summary: string } => {
    if (name.agreement === -1 && dob.agreement === -1) {
      return { decision: 'REVIEW', reason: 'PID_CONTRADICTED', summary: 'The ID matches, but both the name and the date of birth contradict the citizen.' };
    }
    if (name.agreement === -1 || dob.agreement === -1) {
      const field = name.agreement === -1 ? 'name' : 'date of birth';
      return { decision: 'REVIEW', reason: 'PID_PARTLY_CONTRADICTED', summary: `The ID matches, but the ${field} contradicts the citizen.` };
    }
    const reason = candidate.foundBy === 'personal_id' ? 'PID_MATCH' : 'SOURCE_RECORD_LINKED';
    return { decision: 'LINK', reason, summary: 'The ID matches and the name and date of birth agree.' };
  })();
  const explanation = explain(comparisons, found, verdict.summary);
  return { decision: verdict.decision, reason: verdict.reason, score: explanation.total, explanation };
}
