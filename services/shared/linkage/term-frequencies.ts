import { ROW_STRIDE, type CompactRegister } from './compact-register.js';
import type { Feature, MatchRecord } from './match-record.js';

/** How often each value of the term-frequency features occurs in the register. */
export class TermFrequencies {
  private constructor(
    private readonly counts: Map<Feature, Map<string, number>>,
    readonly total: number,
  ) {}

  static fromRecords(records: Iterable<MatchRecord>, features: readonly Feature[]): TermFrequencies {
    const counts = new Map<Feature, Map<string, number>>(features.map((feature) => [feature, new Map()]));
    let total = 0;
    for (const record of records) {
      total += 1;
      for (const [feature, values] of counts) {
        const value = record.features[feature];
        if (value !== null) values.set(value, (values.get(value) ?? 0) + 1);
      }
    }
    return new TermFrequencies(counts, total);
  }

  /** The same counts from a compact register's columns, counted by string number. */
  static fromRegister(register: CompactRegister, features: readonly Feature[]): TermFrequencies {
    const counts = new Map<Feature, Map<string, number>>();
    for (const feature of features) {
      const rows = register.featureRows();
      const at = register.featureAt(feature);
      const byId = new Map<number, number>();
      for (let citizen = 0; citizen < register.size; citizen += 1) {
        const id = rows[citizen * ROW_STRIDE + at]!;
        if (id >= 0) byId.set(id, (byId.get(id) ?? 0) + 1);
      }
      counts.set(feature, new Map([...byId].map(([id, count]) => [register.valueOf(feature, id), count])));
    }
    return new TermFrequencies(counts, register.size);
  }

  /** The counts themselves, per feature and value: what `fromCounts` takes back (a worker thread's copy). */
  countsByFeature(): Map<Feature, Map<string, number>> {
    return this.counts;
  }

  static fromCounts(total: number, counts: Map<Feature, Map<string, number>>): TermFrequencies {
    return new TermFrequencies(counts, total);
  }

  /** Share of the register with this value; a value not seen counts as seen once. */
  frequency(feature: Feature, value: string): number {
    const count = this.counts.get(feature)?.get(value) ?? 1;
    return count / Math.max(1, this.total);
  }
}
