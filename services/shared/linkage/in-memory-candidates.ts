import { blockingKey, passesFilter } from './blocking.js';
import type { CandidateSource } from './candidate-source.js';
import type { MatchRecord } from './match-record.js';
import type { BlockingRule } from './settings.js';

/** Hash indexes of the register, one per blocking rule. */
export class InMemoryCandidateSource implements CandidateSource {
  private readonly indexes: Map<string, Map<string, MatchRecord[]>>;

  constructor(
    private readonly rules: readonly BlockingRule[],
    citizens: Iterable<MatchRecord>,
  ) {
    this.indexes = new Map(rules.map((rule) => [rule.name, new Map<string, MatchRecord[]>()]));
    for (const citizen of citizens) {
      for (const rule of rules) {
        const key = blockingKey(rule, citizen);
        if (key === null) continue;
        const index = this.indexes.get(rule.name)!;
        const bucket = index.get(key);
        if (bucket) bucket.push(citizen);
        else index.set(key, [citizen]);
      }
    }
  }

  candidatesSync(record: MatchRecord): MatchRecord[] {
    const found = new Map<string, MatchRecord>();
    for (const rule of this.rules) {
      const key = blockingKey(rule, record);
      if (key === null) continue;
      for (const citizen of this.indexes.get(rule.name)?.get(key) ?? []) {
        if (!found.has(citizen.id) && passesFilter(rule, record, citizen)) found.set(citizen.id, citizen);
      }
    }
    return [...found.values()];
  }

  async candidatesFor(records: readonly MatchRecord[]): Promise<MatchRecord[][]> {
    return records.map((record) => this.candidatesSync(record));
  }
}
