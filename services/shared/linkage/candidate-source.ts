import type { MatchRecord } from './match-record.js';

/**
 * Where candidates for a batch of records come from: an in-memory index (batch linkage) or the
 * register in PostgreSQL (streaming). Both answer with the citizens that share a blocking key of
 * the settings with each record, so the engine decides the same either way.
 */
export interface CandidateSource {
  candidatesFor(records: readonly MatchRecord[]): Promise<MatchRecord[][]>;
  /**
   * One record's candidates, the same as candidatesFor gives it, from a source that answers
   * without I/O (an index in memory): a batch is then decided record by record, and its
   * candidates die young instead of living, all of them, until the last record is decided.
   */
  candidatesOf?(record: MatchRecord): MatchRecord[];
  /** Lookups skipped so far because their key was generic (more citizens than the rule's max_block_size), per rule name. */
  genericLookups?(): Map<string, number>;
}
