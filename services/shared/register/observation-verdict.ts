import type { EngineDecision, LevelsOf, LinkageEngine } from '../linkage/engine.js';
import { evidenceOf } from '../linkage/evidence.js';
import { personToMatchRecord, type MatchRecord } from '../linkage/match-record.js';
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
function knownLink(engine: LinkageEngine, record: MatchRecord, citizen: CitizenRow, reason: string, method: VerdictMethod): ObservationVerdict {
  const score = engine.scorer.score(record, personToMatchRecord(citizen.citizen_id, citizenAsPerson(citizen)));
  return {
    recordId: record.id,
    decision: 'LINK',
    citizenId: citizen.citizen_id,
    score: score.probability,
    reason,
    method,
    candidates: [{ citizen_id: citizen.citizen_id, score: score.probability }],
    explanation: null,
    evidence: evidenceOf(score, null, engine.scorer.priorWeight),
  };
}

/**
 * The decision for one observation, in this order: a steward's "same person" decides; then a
 * later event of an already linked source record is about the same person (its record id says
 * so) unless a steward said it is not; otherwise the engine scores the candidates stewards did
 * not exclude. A record that matches no one and may not create a citizen is kept UNLINKED: the
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
  if (known.mustLink) return knownLink(engine, record, known.mustLink, 'STEWARD_MUST_LINK', 'STEWARD');
  if (known.earlier && !known.cannotLink?.has(known.earlier.citizen_id)) {
    return knownLink(engine, record, known.earlier, 'SOURCE_RECORD_LINKED', 'DETERMINISTIC');
  }
  const allowed = known.cannotLink ? candidates.filter((candidate) => !known.cannotLink!.has(candidate.id)) : candidates;
  const creates = mayCreateCitizen(observation);
  const decision = engine.decide(record, allowed, levelsOf, creates ? 'REVIEW' : 'NEW');
  if (decision.decision !== 'NEW' || creates) return { ...decision, method: 'PROBABILISTIC' };
  // A guardian's ID keeps its reason: the steward or auditor who reads the unlinked record learns whose ID it carried.
  return { ...decision, decision: 'UNLINKED', reason: decision.reason === 'GUARDIAN_ID' ? 'GUARDIAN_ID' : 'NO_MATCH', method: 'PROBABILISTIC' };
}
