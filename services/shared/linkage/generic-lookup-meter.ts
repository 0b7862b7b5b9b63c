import type { CandidateSource, FirstLookup } from './candidate-source.js';
import type { MatchRecord } from './match-record.js';

/**
 * A candidate source that reports the lookups another one skips as generic (a key held by more
 * citizens than its rule's max_block_size) as they happen, per rule: what the streaming linker
 * counts in its metrics. The wrapped source keeps totals since it was made; each batch reports
 * what those totals grew by since the last report, so batches answered at once (partitions
 * decided concurrently) are each counted once.
 */
export class GenericLookupMeter implements CandidateSource {
  private readonly reported = new Map<string, number>();

  constructor(
    private readonly source: CandidateSource,
    private readonly onSkipped: (rule: string, lookups: number) => void,
  ) {}

  async candidatesFor(records: readonly MatchRecord[], firstLookup?: FirstLookup): Promise<MatchRecord[][]> {
    const answers = await this.source.candidatesFor(records, firstLookup);
    for (const [rule, total] of this.source.genericLookups?.() ?? []) {
      const grown = total - (this.reported.get(rule) ?? 0);
      if (grown <= 0) continue;
      this.reported.set(rule, total);
      this.onSkipped(rule, grown);
    }
    return answers;
  }

  genericLookups(): Map<string, number> {
    return this.source.genericLookups?.() ?? new Map<string, number>();
  }
}
