/**
 * Pairs of register entries one typo apart on a rule's key, for a scan of the register against
 * itself that reads its keys rather than holding the register (the SQL duplicate scan): the same
 * pairs dedupe-csv's typo lookups find (in-memory-candidates.ts, EntryLookup). A key held by one
 * entry only looks up its typo variants (one digit replaced, or two unlike neighbouring digits
 * swapped); a key two entries hold pairs them under the plain key already and looks up nothing,
 * though a lone key one typo from it still finds both. Keys are numbered by an IdPool, so ten
 * million of them cost typed arrays, not a Map of strings.
 */

import { IdPool } from './id-pool.js';

export class TypoNeighbours {
  private readonly keys = new IdPool();
  private readonly entries = new IdPool();
  /** By key number: the entry number of its first holder. */
  private readonly firstHolder: number[] = [];
  /** By key number, for the few keys held more than once: their other holders. */
  private readonly otherHolders = new Map<number, number[]>();

  /** Records that `entry` holds `key` (an entry holding it twice counts once). */
  add(key: string, entry: string): void {
    const number = this.keys.intern(key);
    const holder = this.entries.intern(entry);
    if (number === this.firstHolder.length) {
      this.firstHolder.push(holder);
      return;
    }
    if (this.firstHolder[number] === holder) return;
    const others = this.otherHolders.get(number) ?? [];
    if (!others.includes(holder)) others.push(holder);
    this.otherHolders.set(number, others);
  }

  /**
   * Each pair of distinct entries whose keys are one typo apart, as [a, b] with a < b (by code
   * unit order, as `<` on strings compares). Only a lone key's lookups are made; a pair of keys is
   * given once, by the first lone key of the two. An entry holding several keys under the rule
   * may be given twice with the same other entry: the scan's SQL takes each pair once. A key held by
   * more than `maxHolders` entries (a placeholder many share) is too common to pair anyone with.
   */
  *pairs(maxHolders = Infinity): Generator<[string, string]> {
    for (let number = 0; number < this.firstHolder.length; number += 1) {
      if (this.otherHolders.has(number)) continue;
      const entry = this.firstHolder[number]!;
      for (const variant of this.keys.typoVariantsHeld(this.keys.value(number))) {
        // Two lone keys find each other: the pair is given from the key numbered first.
        if (variant < number && !this.otherHolders.has(variant)) continue;
        const holders = this.holdersOf(variant);
        if (holders.length > maxHolders) continue;
        for (const other of holders) {
          if (other === entry) continue;
          const [a, b] = [this.entries.value(entry), this.entries.value(other)];
          yield a < b ? [a, b] : [b, a];
        }
      }
    }
  }

  private holdersOf(key: number): number[] {
    return [this.firstHolder[key]!, ...(this.otherHolders.get(key) ?? [])];
  }
}
