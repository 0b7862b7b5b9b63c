import type { CandidateSource } from './candidate-source.js';
import { CompactRegister } from './compact-register.js';
import { LinkageEngine, type EngineDecision } from './engine.js';
import { InMemoryCandidateSource } from './in-memory-candidates.js';
import type { MatchRecord } from './match-record.js';
import { tfFeatures, type LinkageSettings } from './settings.js';
import { TermFrequencies } from './term-frequencies.js';

/** A register held in memory, as records or as columns. */
export type RegisterInMemory = readonly MatchRecord[] | CompactRegister;

export function compact(register: RegisterInMemory): CompactRegister {
  return register instanceof CompactRegister ? register : CompactRegister.of(register);
}

/**
 * Engine and in-memory index over a register held in memory (link-csv, train, benchmarks); `source`
 * is an index already built over the same register under the same blocking rules, to be reused;
 * `asOf` the day records' ages are counted to (age-prior.ts; none: no record is in an age band).
 */
export function inMemoryLinkage(
  settings: LinkageSettings,
  register: RegisterInMemory,
  source?: InMemoryCandidateSource,
  asOf: string | null = null,
): { engine: LinkageEngine; source: InMemoryCandidateSource } {
  const columns = compact(register);
  source?.requireBuiltOver(columns, settings.blocking_rules);
  const frequencies = TermFrequencies.fromRegister(columns, tfFeatures(settings));
  return {
    engine: new LinkageEngine(settings, frequencies, { asOf }),
    source: source ?? new InMemoryCandidateSource(settings.blocking_rules, columns),
  };
}

export async function linkAll(engine: LinkageEngine, source: CandidateSource, records: readonly MatchRecord[], chunk = 1000): Promise<EngineDecision[]> {
  const decisions: EngineDecision[] = [];
  for (let start = 0; start < records.length; start += chunk) {
    decisions.push(...(await engine.decideAll(records.slice(start, start + chunk), source)));
  }
  return decisions;
}
