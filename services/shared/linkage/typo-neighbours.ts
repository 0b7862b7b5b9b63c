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
   * unit order, as `<` on strings compares). Only a lone key's lookups count: two keys one typo
   * apart pair their holders when one of them is lone (the other's holders then all pair with
   * its one holder), and not when both are held more than once (each pair of their holders shares
   * neither key). An entry holding several keys under the rule may be given twice with the same
   * other entry: the scan's SQL takes each pair once. A key held by more than `maxHolders`
   * entries (a placeholder many share) is too common to pair anyone with. Two keys of which
   * neither is looked up (`looksUp`: a rule for held IDs only skips an ID that is no one's, as its
   * variants) pair no one, as in memory.
   */
  *pairs(maxHolders = Infinity, looksUp: (key: string) => boolean = () => true): Generator<[string, string]> {
    for (const [x, y] of this.keys.typoPairs()) {
      if (!looksUp(this.keys.value(x)) && !looksUp(this.keys.value(y))) continue;
      const [lone, other] = this.otherHolders.has(x) ? [y, x] : [x, y];
      if (this.otherHolders.has(lone)) continue;
      const holders = this.holdersOf(other);
      if (holders.length > maxHolders) continue;
      const entry = this.firstHolder[lone]!;
      for (const holder of holders) {
        if (holder === entry) continue;
        const [a, b] = [this.entries.value(entry), this.entries.value(holder)];
        yield a < b ? [a, b] : [b, a];
      }
    }
  }

  private holdersOf(key: number): number[] {
    return [this.firstHolder[key]!, ...(this.otherHolders.get(key) ?? [])];
  }
}
