import type { MatchRecord } from './match-record.js';

/**
 * A lookup in two steps (the settings' deterministic links, deterministic-links.ts): the `first`
 * blocking rules' candidates of every record, then the other rules' for the records whose first
 * candidates do not `settle` them. A settled record is answered with its first candidates alone;
 * any other with the same candidates as a lookup in one step (each citizen once). The engine
 * decides a settled record the same on either answer, so a source may skip the second step and
 * still decide as every other does.
 */
export interface FirstLookup {
  first: ReadonlySet<string>;
  settles(record: MatchRecord, candidates: readonly MatchRecord[]): boolean;
}

/**
 * Where candidates for a batch of records come from: an in-memory index (batch linkage) or the
 * register in PostgreSQL (streaming). Both answer with the citizens that share a blocking key of
 * the settings with each record, so the engine decides the same either way.
 */
export interface CandidateSource {
  candidatesFor(records: readonly MatchRecord[], firstLookup?: FirstLookup): Promise<MatchRecord[][]>;
  /**
   * One record's candidates, the same as candidatesFor gives it, from a source that answers
   * without I/O (an index in memory): a batch is then decided record by record, and its
   * candidates die young instead of living, all of them, until the last record is decided.
   */
  candidatesOf?(record: MatchRecord, firstLookup?: FirstLookup): MatchRecord[];
  /** Lookups skipped so far because their key was generic (more citizens than the rule's max_block_size), per rule name. */
  genericLookups?(): Map<string, number>;
}

/** Whether a step of a lookup runs the rule of this name: the first step runs the first rules, the second the others; a lookup in one step, all. */
export function inStep(firstLookup: FirstLookup | undefined, step: 'first' | 'second', rule: string): boolean {
  if (!firstLookup) return step === 'first';
  return firstLookup.first.has(rule) === (step === 'first');
}
