import type { CandidateSource } from './candidate-source.js';
import { LinkageEngine, type EngineDecision } from './engine.js';
import { InMemoryCandidateSource } from './in-memory-candidates.js';
import type { MatchRecord } from './match-record.js';
import { tfFeatures, type LinkageSettings } from './settings.js';
import { TermFrequencies } from './term-frequencies.js';

/** Engine and in-memory index over a register held in memory (link-csv, train, benchmarks). */
export function inMemoryLinkage(settings: LinkageSettings, register: readonly MatchRecord[]): { engine: LinkageEngine; source: InMemoryCandidateSource } {
  const frequencies = TermFrequencies.fromRecords(register, tfFeatures(settings));
  return { engine: new LinkageEngine(settings, frequencies), source: new InMemoryCandidateSource(settings.blocking_rules, register) };
}

export async function linkAll(engine: LinkageEngine, source: CandidateSource, records: readonly MatchRecord[], chunk = 1000): Promise<EngineDecision[]> {
  const decisions: EngineDecision[] = [];
  for (let start = 0; start < records.length; start += chunk) {
    decisions.push(...(await engine.decideAll(records.slice(start, start + chunk), source)));
  }
  return decisions;
}

/** Every (record, candidate) pair the blocking rules produce, for training. */
export function blockedPairs(source: InMemoryCandidateSource, records: readonly MatchRecord[]): [MatchRecord, MatchRecord][] {
  return records.flatMap((record) => source.candidatesSync(record).map((candidate): [MatchRecord, MatchRecord] => [record, candidate]));
}

/** The pairs of each training session of the settings (records × register sharing the session's features). */
export function sessionPairs(settings: LinkageSettings, records: readonly MatchRecord[], register: readonly MatchRecord[]) {
  return settings.training_sessions.map((session) => {
    const source = new InMemoryCandidateSource([{ name: 'session', equal: session.block_on }], register);
    return { pairs: blockedPairs(source, records), skip: session.skip };
  });
}
