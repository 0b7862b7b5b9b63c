import { DETERMINISTIC_RULE, type EngineDecision, type LevelsOf, type LinkageEngine } from '../linkage/engine.js';
import { evidenceOf } from '../linkage/evidence.js';
import { personToMatchRecord, type MatchRecord } from '../linkage/match-record.js';
import { neverLinkSummary, type PairScore } from '../linkage/scoring.js';
import type { LinkDecision, PersonObservation } from '../schemas/records.js';
import { CIVIL_STATUS_SOURCE } from '../sources/civil-status.js';
import { citizenAsPerson, type CitizenRow } from './citizen-row.js';

/** What the register already knows about an observation's source record when it is decided. */
export interface RecordKnowledge {
  /** The citizen an earlier event of the same source record was linked to. */
  earlier?: CitizenRow | undefined;
  /** Stewards' "not this person": never a candidate, whatever the score. */
  cannotLink?: ReadonlySet<string> | undefined;
  /** Stewards' "same person": decides the link. */
  mustLink?: CitizenRow | null | undefined;
}

export type VerdictMethod = 'STEWARD' | 'DETERMINISTIC' | 'PROBABILISTIC';

export type ObservationVerdict = Omit<EngineDecision, 'decision'> & { decision: LinkDecision['decision']; method: VerdictMethod };

/** Only a birth registration brings a new person into the register (stewards aside). */
export function mayCreateCitizen(observation: PersonObservation): boolean {
  return observation.source === CIVIL_STATUS_SOURCE && observation.event_type === 'BIRTH_REGISTRATION';
}

/** A link the register's own knowledge decides (a steward's, or the source record's earlier link), scored only to explain it. */
function knownLink(
  engine: LinkageEngine,
  record: MatchRecord,
  citizen: MatchRecord,
  score: PairScore,
  reason: string,
  method: VerdictMethod,
): ObservationVerdict {
  return {
    recordId: record.id,
    decision: 'LINK',
    citizenId: citizen.id,
    score: score.probability,
    reason,
    method,
    candidates: [{ citizen_id: citizen.id, score: score.probability }],
    explanation: null,
    evidence: evidenceOf(score, null),
  };
}

/**
 * The reason of a review of a later event of a linked source record that its citizen's rules
 * forbid: a case about a link left standing (review-case.ts), whose event waits unapplied until a
 * steward confirms the link, moves the record or rejects it.
 */
export const LINKED_RECORD_CONTRADICTED = 'LINKED_RECORD_CONTRADICTED';

/** The reason of a later event of a linked source record that follows the link (the store closes a case waiting on the record). */
export const SOURCE_RECORD_LINKED = 'SOURCE_RECORD_LINKED';

/**
 * A later event of a linked source record, whose own content the rules no score overrules forbid
 * linking to the record's citizen: the sentence a steward reads, naming the rule, or null when it
 * may follow the link. In the engine's order: a guardian's ID is set aside first, then an ID
 * contradicted, then the never_link rules (twins, generations). A deletion always follows: it
 * takes the record off its citizen.
 */
function followUpDoubt(engine: LinkageEngine, observation: PersonObservation, record: MatchRecord, citizen: MatchRecord, score: PairScore): string | null {
  if (observation.change_type === 'DELETE') return null;
  const { scorer } = engine;
  if (scorer.guardian(record, citizen, score))
    return "The guardian_id rule holds: its personal ID is this citizen's, but it describes a relative (a guardian's ID: another generation, or a brother or sister born in another year).";
  if (scorer.contradicted(score))
    return "The contradiction_guard rule holds: its personal ID is this citizen's, but its name and date of birth both disagree (possibly a mistyped ID).";
  const forbidden = scorer.neverLinked(record, citizen);
  return forbidden ? neverLinkSummary(forbidden) : null;
}

/**
 * A later event of a linked source record follows the link, at the cost of the one score that
 * explains it and the checks on it. One the link's rules forbid goes to a steward instead
 * (LINKED_RECORD_CONTRADICTED), naming the record's citizen first and the other candidates after:
 * the link stays as it is, and the event is applied only if the steward confirms it.
 */
function followLink(
  engine: LinkageEngine,
  observation: PersonObservation,
  record: MatchRecord,
  earlier: CitizenRow,
  candidates: readonly MatchRecord[],
): ObservationVerdict {
  const citizen = personToMatchRecord(earlier.citizen_id, citizenAsPerson(earlier));
  const score = engine.scorer.score(record, citizen);
  const doubt = followUpDoubt(engine, observation, record, citizen, score);
  if (!doubt) return knownLink(engine, record, citizen, score, SOURCE_RECORD_LINKED, 'DETERMINISTIC');
  const summary = `An earlier event of this source record was linked to the first candidate, but this event contradicts them. ${doubt} A steward decides; the link stays, and this event waits, until then.`;
  const others = engine
    .explainEach(
      record,
      candidates.filter((candidate) => candidate.id !== earlier.citizen_id),
    )
    .sort((a, b) => b.score - a.score)
    .slice(0, 4);
  const explanation = engine.scorer.explain(score, null, summary);
  return {
    recordId: record.id,
    decision: 'REVIEW',
    citizenId: null,
    score: score.probability,
    reason: LINKED_RECORD_CONTRADICTED,
    method: 'PROBABILISTIC',
    candidates: [{ citizen_id: earlier.citizen_id, score: score.probability, explanation }, ...others],
    explanation,
    evidence: evidenceOf(score, null),
  };
}

/**
 * The decision for one observation, in this order: a steward's "same person" decides; then a
 * later event of an already linked source record is about the same person (its record id says
 * so) unless a steward said it is not, or its content is what no score may link to that citizen
 * (followLink); otherwise the engine scores the candidates stewards did not exclude. A record that matches no one and may not create a citizen is kept UNLINKED: the
 * store holds it and sends it back to be linked when a new citizen may be its person.
 */
export function decideObservation(
  engine: LinkageEngine,
  observation: PersonObservation,
  record: MatchRecord,
  candidates: readonly MatchRecord[],
  known: RecordKnowledge,
  levelsOf?: LevelsOf,
): ObservationVerdict {
  if (known.mustLink) {
    const citizen = personToMatchRecord(known.mustLink.citizen_id, citizenAsPerson(known.mustLink));
    return knownLink(engine, record, citizen, engine.scorer.score(record, citizen), 'STEWARD_MUST_LINK', 'STEWARD');
  }
  const allowed = known.cannotLink ? candidates.filter((candidate) => !known.cannotLink!.has(candidate.id)) : candidates;
  if (known.earlier && !known.cannotLink?.has(known.earlier.citizen_id)) return followLink(engine, observation, record, known.earlier, allowed);
  const creates = mayCreateCitizen(observation);
  const decision = engine.decide(record, allowed, levelsOf, creates ? 'REVIEW' : 'NEW');
  if (decision.decision !== 'NEW' || creates) return { ...decision, method: decision.reason === DETERMINISTIC_RULE ? 'DETERMINISTIC' : 'PROBABILISTIC' };
  // A guardian's ID keeps its reason: the steward or auditor who reads the unlinked record learns whose ID it carried.
  return { ...decision, decision: 'UNLINKED', reason: decision.reason === 'GUARDIAN_ID' ? 'GUARDIAN_ID' : 'NO_MATCH', method: 'PROBABILISTIC' };
}
