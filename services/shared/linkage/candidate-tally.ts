import type { CandidateSource, FirstLookup } from './candidate-source.js';
import type { MatchRecord } from './match-record.js';

/** Candidates per record over a run: what blocking costs as the register grows. */
export interface CandidateCounts {
  records: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** A tally's figures as plain data: what a worker thread's tally adds to the main thread's (`absorb`). */
export interface TallyState {
  histogram: [number, number][];
  records: number;
  total: number;
  max: number;
  genericLookups: [string, number][];
}

const NO_SOURCE: CandidateSource = {
  candidatesFor: () => Promise.reject(new Error('a tally of other threads’ counts answers no lookup')),
};

/** Counts up to this many candidates are kept exactly; more are counted at this value for the percentiles (the max stays exact). */
const EXACT_UP_TO = 100_000;

/**
 * A candidate source that counts what another one answers, a histogram of candidates per record
 * rather than a list, so a run of millions of records costs a fixed amount of memory.
 */
export class CandidateTally implements CandidateSource {
  private readonly histogram = new Map<number, number>();
  private records = 0;
  private total = 0;
  private max = 0;

  /** The wrapped source's generic counts when the tally began: a source reused from an earlier pass has some. */
  private readonly genericBefore: Map<string, number>;

  /** One record's candidates, counted, when the wrapped source answers record by record (CandidateSource.candidatesOf). */
  readonly candidatesOf?: (record: MatchRecord, firstLookup?: FirstLookup) => MatchRecord[];

  constructor(private readonly source: CandidateSource) {
    this.genericBefore = source.genericLookups?.() ?? new Map<string, number>();
    const candidatesOf = source.candidatesOf?.bind(source);
    if (candidatesOf)
      this.candidatesOf = (record, firstLookup) => {
        const candidates = candidatesOf(record, firstLookup);
        this.count(candidates.length);
        return candidates;
      };
  }

  /** Generic lookups of other threads' tallies, absorbed. */
  private readonly genericAbsorbed = new Map<string, number>();

  /** A tally of other threads' counts only (`absorb`): it answers no lookup itself. */
  static absorbing(): CandidateTally {
    return new CandidateTally(NO_SOURCE);
  }

  /** The wrapped source's lookups skipped as generic since the tally began, and those absorbed, per rule that skipped any. */
  genericLookups(): Map<string, number> {
    return new Map([...this.genericCounts()].filter(([, n]) => n > 0));
  }

  /** Every rule's generic count, zeros too, in the rules' order (the first absorbed tally's, when this one wraps no source). */
  private genericCounts(): Map<string, number> {
    const counts = new Map(this.genericAbsorbed);
    for (const [rule, n] of this.source.genericLookups?.() ?? []) counts.set(rule, (counts.get(rule) ?? 0) + n - (this.genericBefore.get(rule) ?? 0));
    return counts;
  }

  /** The figures as plain data; generic counts of every rule, so that tallies absorbed list the rules in one order. */
  state(): TallyState {
    return { histogram: [...this.histogram], records: this.records, total: this.total, max: this.max, genericLookups: [...this.genericCounts()] };
  }

  /** Adds another tally's figures to this one's, as if its records had been counted here. */
  absorb(state: TallyState): void {
    this.records += state.records;
    this.total += state.total;
    this.max = Math.max(this.max, state.max);
    for (const [bucket, n] of state.histogram) this.histogram.set(bucket, (this.histogram.get(bucket) ?? 0) + n);
    for (const [rule, n] of state.genericLookups) this.genericAbsorbed.set(rule, (this.genericAbsorbed.get(rule) ?? 0) + n);
  }

  async candidatesFor(records: readonly MatchRecord[], firstLookup?: FirstLookup): Promise<MatchRecord[][]> {
    const answers = await this.source.candidatesFor(records, firstLookup);
    for (const candidates of answers) this.count(candidates.length);
    return answers;
  }

  counts(): CandidateCounts {
    return {
      records: this.records,
      mean: this.records === 0 ? 0 : this.total / this.records,
      p50: this.quantile(0.5),
      p99: this.quantile(0.99),
      max: this.max,
    };
  }

  private count(candidates: number): void {
    this.records += 1;
    this.total += candidates;
    if (candidates > this.max) this.max = candidates;
    const bucket = Math.min(candidates, EXACT_UP_TO);
    this.histogram.set(bucket, (this.histogram.get(bucket) ?? 0) + 1);
  }

  /** The nearest-rank-below value at quantile `p`, as the benchmarks' percentile gives over a sorted list. */
  private quantile(p: number): number {
    if (this.records === 0) return 0;
    const rank = Math.min(this.records - 1, Math.floor(p * this.records));
    let seen = 0;
    for (const value of [...this.histogram.keys()].sort((a, b) => a - b)) {
      seen += this.histogram.get(value)!;
      if (seen > rank) return value;
    }
    return this.max;
  }
}
