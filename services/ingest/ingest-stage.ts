import type { Message } from 'kafkajs';
import { eachMessage, present } from '../shared/kafka/decode-each.js';
import type { Outcome, Stage, StageMessage } from '../shared/kafka/stage-runner.js';
import { civilStatusToObservation } from '../shared/sources/civil-status.js';
import type { StageContext } from '../shared/service/stage-service.js';
import type { PersonObservation } from '../shared/schemas/records.js';

export function observationKey(observation: PersonObservation): string {
  return observation.person.personal_id ?? `${observation.source_system}:${observation.source_record_id}`;
}

/**
 * Ingest: decode each sector event through the registry, validate and normalise it into a
 * canonical observation. Invalid events become dead letters with every reason; the others are
 * produced (and acknowledged) before the stage reports them done.
 */
export function createIngestStage(context: StageContext, now: () => Date = () => new Date()): Stage {
  const { registry, producer, topics, schemaIds } = context;
  const observationSchemaId = schemaIds.get(topics.observations);
  if (observationSchemaId === undefined) throw new Error('ingest needs the observation schema registered');

  return {
    name: 'ingest',
    async process(messages: StageMessage[]): Promise<Outcome[]> {
      const { results, outcomes } = await eachMessage(messages, async (message): Promise<Message> => {
        const observation = civilStatusToObservation(await registry.decode<unknown>(message.value), message, now());
        return {
          key: observationKey(observation),
          value: await registry.encode(observationSchemaId, observation),
          headers: { id: observation.observation_id },
        };
      });
      const produced = present(results);
      if (produced.length > 0) await producer.send({ topic: topics.observations, messages: produced, acks: -1 });
      return outcomes;
    },
  };
}
