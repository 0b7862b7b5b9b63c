import type { Message } from 'kafkajs';
import { decodeEach, present } from '../shared/kafka/decode-each.js';
import type { Outcome, Stage, StageMessage } from '../shared/kafka/stage-runner.js';
import type { LinkDecision, PersonObservation } from '../shared/schemas/records.js';
import { explainDecision } from '../shared/linkage/decision-summaries.js';
import { observationKey } from '../shared/sources/sector-event.js';
import type { StageContext } from '../shared/service/stage-service.js';
import type { CitizenRepository } from '../shared/store/citizen-repository.js';
import type { SentBack } from '../shared/store/settings-relinks.js';
import { decideChunk, type ChunkReads, type Linkage } from './chunk-decisions.js';

/** One decision per observation and linkage attempt: a redelivery has the same id, a relink a new one. */
export function decisionId(observation: PersonObservation): string {
  return observation.attempt === 0 ? `${observation.observation_id}:decision` : `${observation.observation_id}:decision:${observation.attempt}`;
}

/**
 * Linker: for each observation, the linkage engine's decision (chunk-decisions.ts), published on
 * the decisions topic; decisions are produced and acknowledged before the chunk is reported done.
 */
export function createLinkerStage(
  context: StageContext,
  citizens: CitizenRepository,
  linkage: () => Promise<Linkage>,
  sentBackBySettings: (observations: readonly PersonObservation[]) => Promise<ReadonlyMap<string, SentBack>>,
  now: () => Date = () => new Date(),
): Stage {
  const { registry, producer, topics, schemaIds, metrics } = context;
  const decisionSchemaId = schemaIds.get(topics.decisions);
  if (decisionSchemaId === undefined) throw new Error('linker needs the decision schema registered');
  const reads: ChunkReads = {
    bySourceRecords: (keys) => citizens.bySourceRecords(keys),
    constraintsOf: (keys) => citizens.constraintsOf(keys),
    sentBack: sentBackBySettings,
  };

  return {
    name: 'linker',
    async process(messages: StageMessage[]): Promise<Outcome[]> {
      const { results, outcomes } = await decodeEach<PersonObservation>(registry, messages);
      const observations = present(results);
      // One linkage for the whole chunk: a promotion meanwhile applies from the next.
      const current = await linkage();
      const { engine } = current;
      const verdicts = await decideChunk(current, reads, observations);

      const produced: Message[] = [];
      for (const { observation, verdict, again } of verdicts) {
        const decision: LinkDecision = {
          decision_id: decisionId(observation),
          decision: verdict.decision,
          citizen_id: verdict.citizenId,
          score: verdict.score,
          method: verdict.method,
          reason: verdict.reason,
          candidates: verdict.candidates,
          // A steward may be asked about a record decided again: its explanation travels with it whatever the decision.
          explanation: again ? (verdict.explanation ?? explainDecision(engine.settings, verdict)) : verdict.explanation,
          evidence: verdict.evidence,
          settings_version: engine.settingsVersion,
          decided_at: now().getTime(),
          observation,
        };
        metrics.eventsIn.inc({ stage: 'linker', source: observation.source });
        metrics.decisions.inc({ kind: decision.decision, reason: decision.reason });
        metrics.eventsOut.inc({ stage: 'linker', source: observation.source, outcome: decision.decision });
        produced.push({
          key: decision.citizen_id ?? observationKey(observation),
          value: await registry.encode(decisionSchemaId, decision),
          headers: { id: decision.decision_id },
        });
      }
      if (produced.length > 0) await producer.send({ topic: topics.decisions, messages: produced, acks: -1 });
      return outcomes;
    },
  };
}
