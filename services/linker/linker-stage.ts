import type { Message } from 'kafkajs';
import { decodeEach, present } from '../shared/kafka/decode-each.js';
import type { Outcome, Stage, StageMessage } from '../shared/kafka/stage-runner.js';
import { decideDeterministic } from '../shared/linkage/deterministic.js';
import type { LinkDecision, PersonObservation } from '../shared/schemas/records.js';
import type { StageContext } from '../shared/service/stage-service.js';
import { CIVIL_STATUS_SOURCE } from '../shared/sources/civil-status.js';
import { citizenAsPerson } from '../shared/store/citizen-row.js';
import { sourceRecordKey, type CitizenRepository } from '../shared/store/citizen-repository.js';

/** Only a birth registration brings a new person into the register; anything else that matches no one goes to a steward. */
function mayCreateCitizen(observation: PersonObservation): boolean {
  return observation.source === CIVIL_STATUS_SOURCE && observation.event_type === 'BIRTH_REGISTRATION';
}

/**
 * Linker: decide, for each observation, which citizen it is about. Candidates for a whole chunk
 * come from the register in one round trip; decisions are produced and acknowledged before the
 * chunk is reported done.
 */
export function createLinkerStage(context: StageContext, citizens: CitizenRepository, now: () => Date = () => new Date()): Stage {
  const { registry, producer, topics, schemaIds } = context;
  const decisionSchemaId = schemaIds.get(topics.decisions);
  if (decisionSchemaId === undefined) throw new Error('linker needs the decision schema registered');

  return {
    name: 'linker',
    async process(messages: StageMessage[]): Promise<Outcome[]> {
      const { results, outcomes } = await decodeEach<PersonObservation>(registry, messages);
      const valid = present(results);
      const personalIds = [...new Set(valid.flatMap((o) => (o.person.personal_id ? [o.person.personal_id] : [])))];
      const [byPersonalId, bySourceRecord] = await Promise.all([citizens.byPersonalIds(personalIds), citizens.bySourceRecords(valid)]);

      const produced: Message[] = [];
      for (const observation of valid) {
        const linkedBefore = bySourceRecord.get(sourceRecordKey(observation));
        const byId = observation.person.personal_id ? byPersonalId.get(observation.person.personal_id) : undefined;
        const candidateRow = linkedBefore ?? byId;
        const verdict = decideDeterministic({
          record: observation.person,
          mayCreate: mayCreateCitizen(observation),
          candidate: candidateRow ? { person: citizenAsPerson(candidateRow), foundBy: linkedBefore ? 'source_record' : 'personal_id' } : null,
        });
        const decision: LinkDecision = {
          decision_id: `${observation.observation_id}:decision`,
          decision: verdict.decision,
          citizen_id: verdict.decision === 'LINK' ? (candidateRow?.citizen_id ?? null) : null,
          score: verdict.score,
          method: 'DETERMINISTIC',
          reason: verdict.reason,
          candidates: candidateRow ? [{ citizen_id: candidateRow.citizen_id, score: verdict.score }] : [],
          explanation: verdict.explanation,
          decided_at: now().getTime(),
          observation,
        };
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
