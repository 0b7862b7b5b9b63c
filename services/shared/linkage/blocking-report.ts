import type { InMemoryCandidateSource } from './in-memory-candidates.js';
import type { MatchRecord } from './match-record.js';

/** One blocking rule's share of the work, in the order the settings list the rules. */
export interface RuleCount {
  rule: string;
  /** Pairs (record, citizen) this rule generates, counting those another rule generates too. */
  comparisons: number;
  /** Pairs this rule adds to the rules before it: what it costs in scoring. */
  added: number;
  /** Pairs of the rules up to this one, each pair once: Splink's cumulative comparisons. */
  cumulative: number;
  /** Records whose key under this rule was generic (held by more citizens than its max_block_size): they got no candidates from it. */
  generic: number;
  /** With labels: true pairs this rule is the first to reach. */
  truePairsAdded: number | null;
}

export interface BlockingReport {
  records: number;
  citizens: number;
  rules: RuleCount[];
  /** Candidates (distinct citizens) per record. */
  candidatesPerRecord: { p50: number; p99: number; max: number; mean: number };
  /** With labels: records whose person is in the register, how many of them some rule reaches, and examples of the others. */
  truth: { inRegister: number; reached: number; missed: { recordId: string; citizenId: string }[]; missedCount: number } | null;
}

const MISSED_EXAMPLES = 50;

/**
 * What the blocking rules do to a set of records against a register, without scoring anything:
 * the pairs each rule generates and adds, candidates per record, and, with labels, the true
 * pairs no rule reaches (those the scorer can never link). Fed record by record, so the records
 * can be streamed; the register is the in-memory candidate index link-csv uses.
 */
export class BlockingTally {
  private readonly comparisons: number[];
  private readonly added: number[];
  private readonly trueAdded: number[];
  private readonly generic: number[];
  private readonly perRecord: number[] = [];
  private readonly missed: { recordId: string; citizenId: string }[] = [];
  private missedCount = 0;
  private inRegister = 0;
  private labelled = false;
  private readonly seenAt: Int32Array;
  private record = 0;

  constructor(private readonly source: InMemoryCandidateSource) {
    const { rules } = source;
    this.comparisons = rules.map(() => 0);
    this.added = rules.map(() => 0);
    this.trueAdded = rules.map(() => 0);
    this.generic = rules.map(() => 0);
    this.seenAt = new Int32Array(source.register.size);
  }

  /** `truth`: the citizen id the record is about (undefined: unlabelled; null: about no one in the register). */
  add(record: MatchRecord, truth?: string | null): void {
    this.record += 1;
    const found: number[] = [];
    let distinct = 0;
    let reachedBy = -1;
    const register = this.source.register;
    for (let r = 0; r < this.source.rules.length; r += 1) {
      found.length = 0;
      if (!this.source.ruleCandidates(r, record, found)) this.generic[r]! += 1;
      this.comparisons[r]! += found.length;
      for (const citizen of found) {
        if (this.seenAt[citizen] === this.record) continue;
        this.seenAt[citizen] = this.record;
        this.added[r]! += 1;
        distinct += 1;
        if (reachedBy < 0 && truth && register.id(citizen) === truth) reachedBy = r;
      }
    }
    this.perRecord.push(distinct);
    if (truth === undefined) return;
    this.labelled = true;
    if (truth === null || !register.hasId(truth)) return;
    this.inRegister += 1;
    if (reachedBy >= 0) this.trueAdded[reachedBy]! += 1;
    else {
      this.missedCount += 1;
      if (this.missed.length < MISSED_EXAMPLES) this.missed.push({ recordId: record.id, citizenId: truth });
    }
  }

  report(): BlockingReport {
    let cumulative = 0;
    const rules = this.source.rules.map((rule, r): RuleCount => {
      cumulative += this.added[r]!;
      return {
        rule: rule.name,
        comparisons: this.comparisons[r]!,
        added: this.added[r]!,
        cumulative,
        generic: this.generic[r]!,
        truePairsAdded: this.labelled ? this.trueAdded[r]! : null,
      };
    });
    const sorted = Float64Array.from(this.perRecord).sort();
    const at = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!);
    const reached = this.trueAdded.reduce((sum, n) => sum + n, 0);
    return {
      records: this.perRecord.length,
      citizens: this.source.register.size,
      rules,
      candidatesPerRecord: { p50: at(0.5), p99: at(0.99), max: at(1), mean: sorted.length === 0 ? 0 : cumulative / sorted.length },
      truth: this.labelled ? { inRegister: this.inRegister, reached, missed: this.missed, missedCount: this.missedCount } : null,
    };
  }
}
