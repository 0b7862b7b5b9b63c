import type { Message } from 'kafkajs';
import { decodeEach, present } from '../shared/kafka/decode-each.js';
import type { Outcome, Stage, StageMessage } from '../shared/kafka/stage-runner.js';
import type { CandidateSource, FirstLookup } from '../shared/linkage/candidate-source.js';
import type { LinkDecision, PersonObservation } from '../shared/schemas/records.js';
import { explainDecision } from '../shared/linkage/decision-summaries.js';
import type { LinkageEngine } from '../shared/linkage/engine.js';
import { personToMatchRecord, type MatchRecord } from '../shared/linkage/match-record.js';
import { decideObservation } from '../shared/register/observation-verdict.js';
import { observationKey } from '../shared/sources/sector-event.js';
import type { StageContext } from '../shared/service/stage-service.js';
import { sourceRecordKey, type CitizenRepository } from '../shared/store/citizen-repository.js';
import type { SentBack } from '../shared/store/settings-relinks.js';

export interface Linkage {
  engine: LinkageEngine;
  candidates: CandidateSource;
}

/** One decision per observation and linkage attempt: a redelivery has the same id, a relink a new one. */
export function decisionId(observation: PersonObservation): string {
  return observation.attempt === 0 ? `${observation.observation_id}:decision` : `${observation.observation_id}:decision:${observation.attempt}`;
}

/**
 * A record a settings change or a change of the register sent back is decided afresh: its own
 * link is the question, not the answer. Not a later event of it that waits in its case
 * (LINKED_RECORD_CONTRADICTED): the event is still one that follows the link or not.
 */
export function decidedAfresh(sentBack: SentBack | undefined): boolean {
  return sentBack !== undefined && !sentBack.waiting;
}

/**
 * Whether the engine alone decides a record (decideObservation): not when a steward's must-link or
 * cannot-link speaks for its source record, nor when an earlier event of it was linked and the
 * record is not decided afresh. Only such a record may be settled by a deterministic link on its
 * first candidates; the others are decided on all their candidates.
 */
export function decidedByEngineAlone(known: { constrained: boolean; linkedBefore: boolean; sentBack: SentBack | undefined }): boolean {
  return !known.constrained && (!known.linkedBefore || decidedAfresh(known.sentBack));
}

/** The records the engine alone decides (decidedByEngineAlone), from what was read of their source records. */
function engineAloneRecords(
  records: readonly MatchRecord[],
  observations: readonly PersonObservation[],
  bySourceRecord: ReadonlyMap<string, unknown>,
  constraints: ReadonlyMap<string, unknown>,
  relinked: ReadonlyMap<string, SentBack>,
): Set<MatchRecord> {
  return new Set(
    records.filter((_, index) => {
      const observation = observations[index]!;
      const key = sourceRecordKey(observation);
      return decidedByEngineAlone({
        constrained: constraints.has(key),
        linkedBefore: bySourceRecord.has(key),
        sentBack: relinked.get(observation.observation_id),
      });
    }),
  );
}

/** The engine's two-step lookup, letting a deterministic link settle only the records the engine alone decides. */
function onlyEngineAlone(firstLookup: FirstLookup, engineAlone: ReadonlySet<MatchRecord>): FirstLookup {
  return { first: firstLookup.first, settles: (record, first) => engineAlone.has(record) && firstLookup.settles(record, first) };
}

/**
 * Linker: for each observation, the linkage engine's decision. The earlier links of the chunk's
 * source records and stewards' constraints on them are read first; then its candidates, in one
 * lookup for the whole chunk (in two steps when the settings have deterministic links: a record
 * the ID's holder settles needs no other candidate); decisions are produced and acknowledged
 * before the chunk is reported done.
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

  return {
    name: 'linker',
    async process(messages: StageMessage[]): Promise<Outcome[]> {
      const { results, outcomes } = await decodeEach<PersonObservation>(registry, messages);
      const observations = present(results);
      const { engine, candidates } = await linkage();
      const records = observations.map((o) => personToMatchRecord(o.observation_id, o.person));
      const firstLookup = engine.firstLookup();
      const [bySourceRecord, constraints, relinked, inOneStep] = await Promise.all([
        citizens.bySourceRecords(observations),
        citizens.constraintsOf(observations),
        sentBackBySettings(observations),
        // Without deterministic links nothing waits on the links and constraints: one lookup beside them.
        firstLookup ? null : candidates.candidatesFor(records),
      ]);
      const found = firstLookup
        ? await candidates.candidatesFor(
            records,
            onlyEngineAlone(firstLookup, engineAloneRecords(records, observations, bySourceRecord, constraints, relinked)),
          )
        : inOneStep!;

      const produced: Message[] = [];
      for (const [index, observation] of observations.entries()) {
        const record = records[index]!;
        const key = sourceRecordKey(observation);
        const stewards = constraints.get(key);
        const again = decidedAfresh(relinked.get(observation.observation_id));
        const verdict = decideObservation(engine, observation, record, found[index] ?? [], {
          earlier: again ? undefined : bySourceRecord.get(key),
          cannotLink: stewards?.cannotLink,
          mustLink: stewards?.mustLink,
        });
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
