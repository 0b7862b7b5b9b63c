import type { CandidateSource, FirstLookup } from '../shared/linkage/candidate-source.js';
import type { LinkageEngine } from '../shared/linkage/engine.js';
import { personToMatchRecord, type MatchRecord } from '../shared/linkage/match-record.js';
import type { CitizenRow } from '../shared/register/citizen-row.js';
import { decideObservation, type ObservationVerdict } from '../shared/register/observation-verdict.js';
import type { PersonObservation } from '../shared/schemas/records.js';
import { sourceRecordKey, type RecordConstraints, type SourceRecordKey } from '../shared/store/citizen-repository.js';
import type { SentBack } from '../shared/store/settings-relinks.js';

/**
 * The linker's decisions for one chunk of observations, without Kafka: what it reads of their
 * source records first, how it looks their candidates up, and the verdict on each. The stage
 * (linker-stage.ts) decodes the chunk and publishes these verdicts as decisions.
 */

export interface Linkage {
  engine: LinkageEngine;
  candidates: CandidateSource;
}

/**
 * What the linker reads of a chunk's source records before deciding, one round trip each: the
 * citizens earlier events were linked to, stewards' constraints (CitizenRepository), and the
 * observations a change sent back to be decided again (settings-relinks.ts).
 */
export interface ChunkReads {
  bySourceRecords(keys: SourceRecordKey[]): Promise<ReadonlyMap<string, CitizenRow>>;
  constraintsOf(keys: SourceRecordKey[]): Promise<ReadonlyMap<string, RecordConstraints>>;
  sentBack(observations: readonly PersonObservation[]): Promise<ReadonlyMap<string, SentBack>>;
}

export interface ChunkVerdict {
  observation: PersonObservation;
  verdict: ObservationVerdict;
  /** Decided afresh (sent back by a change): a steward may be asked about it, so its explanation travels with it. */
  again: boolean;
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

/** The records the engine alone decides (decidedByEngineAlone), from what was read of their source records (`keys`, in the records' order). */
function engineAloneRecords(
  records: readonly MatchRecord[],
  observations: readonly PersonObservation[],
  keys: readonly string[],
  bySourceRecord: ReadonlyMap<string, unknown>,
  constraints: ReadonlyMap<string, unknown>,
  relinked: ReadonlyMap<string, SentBack>,
): Set<MatchRecord> {
  return new Set(
    records.filter((_, index) =>
      decidedByEngineAlone({
        constrained: constraints.has(keys[index]!),
        linkedBefore: bySourceRecord.has(keys[index]!),
        sentBack: relinked.get(observations[index]!.observation_id),
      }),
    ),
  );
}

/** The engine's two-step lookup, letting a deterministic link settle only the records the engine alone decides. */
function onlyEngineAlone(firstLookup: FirstLookup, engineAlone: ReadonlySet<MatchRecord>): FirstLookup {
  return { first: firstLookup.first, settles: (record, first) => engineAlone.has(record) && firstLookup.settles(record, first) };
}

/**
 * The verdict on each observation, in order. The earlier links of the chunk's source records and
 * stewards' constraints on them are read first; then the candidates, in one lookup for the whole
 * chunk (in two steps when the settings have deterministic links: a record the ID's holder
 * settles needs no other candidate, unless a steward or an earlier link speaks for it).
 */
export async function decideChunk(linkage: Linkage, reads: ChunkReads, observations: readonly PersonObservation[]): Promise<ChunkVerdict[]> {
  const { engine, candidates } = linkage;
  const records = observations.map((o) => personToMatchRecord(o.observation_id, o.person));
  const keys = observations.map(sourceRecordKey);
  const firstLookup = engine.firstLookup();
  const [bySourceRecord, constraints, relinked, inOneStep] = await Promise.all([
    reads.bySourceRecords([...observations]),
    reads.constraintsOf([...observations]),
    reads.sentBack(observations),
    // Without deterministic links nothing waits on the links and constraints: one lookup beside them.
    firstLookup ? null : candidates.candidatesFor(records),
  ]);
  const found = firstLookup
    ? await candidates.candidatesFor(
        records,
        onlyEngineAlone(firstLookup, engineAloneRecords(records, observations, keys, bySourceRecord, constraints, relinked)),
      )
    : inOneStep!;
  return observations.map((observation, index) => {
    const stewards = constraints.get(keys[index]!);
    const again = decidedAfresh(relinked.get(observation.observation_id));
    const verdict = decideObservation(engine, observation, records[index]!, found[index] ?? [], {
      earlier: again ? undefined : bySourceRecord.get(keys[index]!),
      cannotLink: stewards?.cannotLink,
      mustLink: stewards?.mustLink,
    });
    return { observation, verdict, again };
  });
}
