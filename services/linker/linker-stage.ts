import type { Message } from 'kafkajs';
import { decodeEach, present } from '../shared/kafka/decode-each.js';
import type { Outcome, Stage, StageMessage } from '../shared/kafka/stage-runner.js';
import type { CandidateSource } from '../shared/linkage/candidate-source.js';
import type { EngineDecision, LinkageEngine } from '../shared/linkage/engine.js';
import { evidenceOf } from '../shared/linkage/evidence.js';
import { personToMatchRecord, type MatchRecord } from '../shared/linkage/match-record.js';
import type { LinkDecision, PersonObservation } from '../shared/schemas/records.js';
import type { StageContext } from '../shared/service/stage-service.js';
import { CIVIL_STATUS_SOURCE } from '../shared/sources/civil-status.js';
import { citizenAsPerson, type CitizenRow } from '../shared/register/citizen-row.js';
import { sourceRecordKey, type CitizenRepository } from '../shared/store/citizen-repository.js';

/** Only a birth registration brings a new person into the register (stewards aside). */
function mayCreateCitizen(observation: PersonObservation): boolean {
  return observation.source === CIVIL_STATUS_SOURCE && observation.event_type === 'BIRTH_REGISTRATION';
}

export interface Linkage {
  engine: LinkageEngine;
  candidates: CandidateSource;
}

/** A later event of a source record that is already linked is about the same person: the source's record id says so. */
function linkedBefore(engine: LinkageEngine, record: MatchRecord, citizen: CitizenRow, reason = 'SOURCE_RECORD_LINKED'): EngineDecision {
  const score = engine.scorer.score(record, personToMatchRecord(citizen.citizen_id, citizenAsPerson(citizen)));
  return {
    recordId: record.id,
    decision: 'LINK',
    citizenId: citizen.citizen_id,
    score: score.probability,
    reason,
    candidates: [{ citizen_id: citizen.citizen_id, score: score.probability }],
    explanation: null,
    evidence: evidenceOf(score, null, engine.scorer.priorWeight),
  };
}

/**
 * A record that matches no one and may not create a citizen is kept UNLINKED: the store holds it,
 * counts it, shows it to stewards, and sends it back to be linked when a new citizen may be its person.
 */
function withCreationRule(decision: EngineDecision, observation: PersonObservation): Omit<EngineDecision, 'decision'> & { decision: LinkDecision['decision'] } {
  if (decision.decision !== 'NEW' || mayCreateCitizen(observation)) return decision;
  return { ...decision, decision: 'UNLINKED', reason: 'NO_MATCH' };
}

/** One decision per observation and linkage attempt: a redelivery has the same id, a relink a new one. */
export function decisionId(observation: PersonObservation): string {
  return observation.attempt === 0 ? `${observation.observation_id}:decision` : `${observation.observation_id}:decision:${observation.attempt}`;
}

/**
 * Linker: for each observation, the linkage engine's decision. Candidates for a whole chunk come
 * from the register in one round trip (and earlier links of the same source records in one
 * more); decisions are produced and acknowledged before the chunk is reported done.
 */
export function createLinkerStage(context: StageContext, citizens: CitizenRepository, linkage: () => Linkage, now: () => Date = () => new Date()): Stage {
  const { registry, producer, topics, schemaIds, metrics } = context;
  const decisionSchemaId = schemaIds.get(topics.decisions);
  if (decisionSchemaId === undefined) throw new Error('linker needs the decision schema registered');

  return {
    name: 'linker',
    async process(messages: StageMessage[]): Promise<Outcome[]> {
      const { results, outcomes } = await decodeEach<PersonObservation>(registry, messages);
      const observations = present(results);
      const { engine, candidates } = linkage();
      const records = observations.map((o) => personToMatchRecord(o.observation_id, o.person));
      const [bySourceRecord, found, constraints] = await Promise.all([
        citizens.bySourceRecords(observations),
        candidates.candidatesFor(records),
        citizens.constraintsOf(observations),
      ]);

      const produced: Message[] = [];
      for (const [index, observation] of observations.entries()) {
        const record = records[index]!;
        const key = sourceRecordKey(observation);
        const stewards = constraints.get(key);
        const earlier = bySourceRecord.get(key);
        // A steward's "same person" decides; their "not this person" takes the citizen out of the candidates, whatever the score.
        const allowed = (found[index] ?? []).filter((candidate) => !stewards?.cannotLink.has(candidate.id));
        const verdict = stewards?.mustLink
          ? linkedBefore(engine, record, stewards.mustLink, 'STEWARD_MUST_LINK')
          : earlier && !stewards?.cannotLink.has(earlier.citizen_id)
            ? linkedBefore(engine, record, earlier)
            : withCreationRule(engine.decide(record, allowed), observation);
        const decision: LinkDecision = {
          decision_id: decisionId(observation),
          decision: verdict.decision,
          citizen_id: verdict.citizenId,
          score: verdict.score,
          method: stewards?.mustLink ? 'STEWARD' : earlier ? 'DETERMINISTIC' : 'PROBABILISTIC',
          reason: verdict.reason,
          candidates: verdict.candidates,
          explanation: verdict.explanation,
          evidence: verdict.evidence,
          settings_version: engine.settingsVersion,
          decided_at: now().getTime(),
          observation,
        };
        metrics.eventsIn.inc({ stage: 'linker', source: observation.source });
        metrics.decisions.inc({ kind: decision.decision, reason: decision.reason });
        metrics.eventsOut.inc({ stage: 'linker', source: observation.source, outcome: decision.decision });
        produced.push({
          key: decision.citizen_id ?? observation.person.personal_id ?? `${observation.source_system}:${observation.source_record_id}`,
          value: await registry.encode(decisionSchemaId, decision),
          headers: { id: decision.decision_id },
        });
      }
      if (produced.length > 0) await producer.send({ topic: topics.decisions, messages: produced, acks: -1 });
      return outcomes;
    },
  };
}
