import { blockingKey, lookupKey, looksUp, nearKeys, passesFilter } from './blocking.js';
import { inStep, type CandidateSource, type FirstLookup } from './candidate-source.js';
import { CompactRegister, ROW_STRIDE } from './compact-register.js';
import { sharedInt32 } from './shared-arrays.js';
import type { Feature, MatchRecord } from './match-record.js';
import type { BlockingRule } from './settings.js';

/** Hash of a key's string numbers (any 32-bit mix will do: a bucket's members are checked for equality). */
function hashOf(ids: ArrayLike<number>): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < ids.length; i += 1) {
    hash = Math.imul(hash ^ ids[i]!, 0x01000193);
    hash ^= hash >>> 15;
  }
  return Math.imul(hash ^ (hash >>> 13), 0x5bd1e995) ^ (hash >>> 16);
}

/**
 * The register's citizens bucketed by their key under one blocking rule: a hash table laid out
 * in two typed arrays (bucket starts, then the members of each bucket in register order), built
 * in two passes without an object per key.
 */
class KeyIndex {
  /** The register's rows, and the positions in a row of the rule's features. */
  private readonly rows: Int32Array;
  private readonly at: Int32Array;
  private readonly mask: number;
  private readonly starts: Int32Array;
  private readonly members: Int32Array;

  constructor(register: CompactRegister, features: readonly Feature[], shared?: SharedKeyIndex) {
    this.rows = register.featureRows();
    this.at = Int32Array.from(features, (feature) => register.featureAt(feature));
    if (shared) {
      ({ mask: this.mask, starts: this.starts, members: this.members } = shared);
      return;
    }
    const size = register.size;
    let buckets = 1;
    while (buckets < size * 2) buckets *= 2;
    this.mask = buckets - 1;
    const bucketOf = new Int32Array(size);
    const counts = new Int32Array(buckets + 1);
    const key = new Int32Array(this.at.length);
    for (let citizen = 0; citizen < size; citizen += 1) {
      bucketOf[citizen] = this.keyOf(citizen, key) ? hashOf(key) & this.mask : -1;
      if (bucketOf[citizen]! >= 0) counts[bucketOf[citizen]! + 1]! += 1;
    }
    for (let bucket = 0; bucket < buckets; bucket += 1) counts[bucket + 1]! += counts[bucket]!;
    this.starts = sharedInt32(counts.length);
    this.starts.set(counts);
    this.members = sharedInt32(counts[buckets]!);
    for (let citizen = 0; citizen < size; citizen += 1) {
      const bucket = bucketOf[citizen]!;
      if (bucket >= 0) this.members[counts[bucket]!++] = citizen;
    }
  }

  /** Describes the table for a worker thread: it is in shared memory already. */
  share(): SharedKeyIndex {
    return { mask: this.mask, starts: this.starts, members: this.members };
  }

  /**
   * The citizens whose key is these string numbers, in register order, appended to `into`; it
   * stops once more than `most` are (a generic key: its bucket may hold thousands at 10 M).
   */
  collect(key: Int32Array, into: number[], most = Infinity): void {
    const bucket = hashOf(key) & this.mask;
    const { rows, at: offsets } = this;
    let found = 0;
    for (let at = this.starts[bucket]!, end = this.starts[bucket + 1]!; at < end && found <= most; at += 1) {
      const citizen = this.members[at]!;
      const row = citizen * ROW_STRIDE;
      let equal = true;
      for (let f = 0; f < offsets.length && equal; f += 1) equal = rows[row + offsets[f]!] === key[f];
      if (equal) {
        into.push(citizen);
        found += 1;
      }
    }
  }

  private keyOf(citizen: number, key: Int32Array): boolean {
    for (let f = 0; f < this.at.length; f += 1) {
      const id = this.rows[citizen * ROW_STRIDE + this.at[f]!]!;
      if (id < 0) return false;
      key[f] = id;
    }
    return true;
  }
}

/** A key index's hash table as a worker thread receives it, in shared memory. */
interface SharedKeyIndex {
  mask: number;
  starts: Int32Array;
  members: Int32Array;
}

/** The indexes as a worker thread receives them (`InMemoryCandidateSource.share`), beside the register's own share. */
export interface SharedIndexes {
  rules: readonly BlockingRule[];
  indexes: SharedKeyIndex[];
  uniqueIds: boolean;
}

/**
 * A register entry looked up as a record, as deduplication does: the entry holds its own key, so
 * a rule's typo lookups are made when nobody else holds it (a record that is not an entry makes
 * them when nobody holds its key at all).
 */
export interface EntryLookup {
  /** The entry's row in the register. */
  entry: number;
  /** Receives the candidates first found through a typo variant of the entry's key, in the order found. */
  throughTypos?: number[];
  /** The entry was looked up before (deduplication checks an earlier entry's own lookup): its generic keys are not counted again. */
  again?: boolean;
}

/** Hash indexes of the register, one per blocking rule, over its compact columns. */
export class InMemoryCandidateSource implements CandidateSource {
  readonly register: CompactRegister;
  private readonly indexes: KeyIndex[];
  /** Per citizen, the last lookup that found it: no set per lookup to drop citizens found under two rules. */
  private readonly seen: Int32Array;
  private lookup = 0;
  /** The citizen IDs the lookup under way found, when the register's rows are not one per citizen. */
  private lookupIds: Set<string> | null = null;
  private readonly uniqueIds: boolean;
  /** Per rule, the lookups whose key was generic (held by more citizens than the rule's max_block_size). */
  private readonly genericCounts: number[];

  /** `shared`: the indexes another thread built over the same register (`share`), not built again. */
  constructor(
    readonly rules: readonly BlockingRule[],
    citizens: Iterable<MatchRecord> | CompactRegister,
    shared?: SharedIndexes,
  ) {
    this.register = citizens instanceof CompactRegister ? citizens : CompactRegister.of(citizens);
    this.indexes = rules.map((rule, r) => new KeyIndex(this.register, rule.equal, shared?.indexes[r]));
    this.seen = new Int32Array(this.register.size);
    this.uniqueIds = shared?.uniqueIds ?? this.register.idsAreUnique();
    this.genericCounts = rules.map(() => 0);
  }

  /**
   * Describes the indexes (in shared memory) for a worker thread, which makes its own source over them and the register's share: each thread
   * keeps its own marks of the citizens a lookup found and its own generic counts.
   */
  share(): SharedIndexes {
    return { rules: this.rules, indexes: this.indexes.map((index) => index.share()), uniqueIds: this.uniqueIds };
  }

  /** Refuses, when reused by another pass, an index built over another register or under other blocking rules. */
  requireBuiltOver(register: CompactRegister, rules: readonly BlockingRule[]): void {
    if (this.register !== register || JSON.stringify(this.rules) !== JSON.stringify(rules)) {
      throw new Error('the index given was built over another register or other blocking rules');
    }
  }

  /** Lookups skipped because their key was generic, per rule name, since the source was made. */
  genericLookups(): Map<string, number> {
    return new Map(this.rules.map((rule, r) => [rule.name, this.genericCounts[r]!]));
  }

  /**
   * The register's indexes of a record's candidates, in the order the rules find them. `asEntry`
   * looks up a register entry (deduplication): see EntryLookup.
   */
  candidateIndexes(record: MatchRecord, asEntry?: EntryLookup): number[] {
    return this.indexesInStep(record, asEntry, undefined, 'first');
  }

  /**
   * The candidates one step of a lookup finds (candidate-source.ts FirstLookup); the second step
   * continues the first's lookup, so a citizen the first found is not found again.
   */
  private indexesInStep(record: MatchRecord, asEntry: EntryLookup | undefined, firstLookup: FirstLookup | undefined, step: 'first' | 'second'): number[] {
    if (step === 'first') {
      this.lookup += 1;
      this.lookupIds = this.uniqueIds ? null : new Set<string>();
    }
    const found: number[] = [];
    const ids = this.lookupIds;
    const ownKeys: number[] = [];
    const variants: number[] = [];
    const entry = asEntry?.entry ?? -1;
    for (let r = 0; r < this.rules.length; r += 1) {
      const rule = this.rules[r]!;
      if (!inStep(firstLookup, step, rule.name)) continue;
      ownKeys.length = 0;
      variants.length = 0;
      const generic = this.collectRule(r, record, ownKeys, entry, variants);
      if (asEntry?.again !== true) this.genericCounts[r]! += generic;
      for (const citizen of ownKeys) if (this.admit(rule, record, citizen, ids)) found.push(citizen);
      for (const citizen of variants) {
        if (!this.admit(rule, record, citizen, ids)) continue;
        found.push(citizen);
        asEntry?.throughTypos?.push(citizen);
      }
    }
    return found;
  }

  /** Whether a row a rule found is a candidate of this lookup: not found already, through the rule's filter, and marked found. */
  private admit(rule: BlockingRule, record: MatchRecord, citizen: number, ids: Set<string> | null): boolean {
    if (this.seen[citizen] === this.lookup) return false;
    // A citizen that fails this rule's filter may still come in under another rule.
    if (rule.filter !== undefined && !passesFilter(rule, record, this.register.get(citizen))) return false;
    this.seen[citizen] = this.lookup;
    if (ids) {
      // Two register rows with one citizen ID are one candidate, the first found.
      const id = this.register.id(citizen);
      if (ids.has(id)) return false;
      ids.add(id);
    }
    return true;
  }

  /**
   * The citizens one rule (by its position) finds for a record, its filter applied, appended to
   * `into`: what a blocking report counts per rule. False when a lookup of the record's was generic
   * for the rule (its citizens are not appended), true otherwise.
   */
  ruleCandidates(ruleIndex: number, record: MatchRecord, into: number[]): boolean {
    const rule = this.rules[ruleIndex]!;
    const start = into.length;
    const generic = this.collectRule(ruleIndex, record, into);
    if (rule.filter !== undefined) {
      let kept = start;
      for (let at = start; at < into.length; at += 1) if (passesFilter(rule, record, this.register.get(into[at]!))) into[kept++] = into[at]!;
      into.length = kept;
    }
    return generic === 0;
  }

  /**
   * The register rows one rule finds for a record, before its filter, appended to `into`: those of
   * the record's own key and, when it has a holder, of its near keys (near_lookup); or when it
   * finds nobody but `entry` (the record's own row, -1 for a record that is not a register entry)
   * and the rule asks for it, those of its typo variants, appended to `variantsInto`. Returns how
   * many of the lookups were generic (their rows are left out).
   */
  private collectRule(ruleIndex: number, record: MatchRecord, into: number[], entry = -1, variantsInto = into): number {
    const rule = this.rules[ruleIndex]!;
    const start = into.length;
    const own = rule.held_ids_only === true && lookupKey(rule, record) === null ? null : this.keyOf(rule, record);
    if (own !== null && !this.collectBounded(ruleIndex, own, into)) return 1;
    for (let at = start; at < into.length; at += 1) {
      if (into[at] === entry) continue;
      this.collectNear(ruleIndex, record, into);
      return 0;
    }
    const key = rule.typo_lookup === undefined ? null : blockingKey(rule, record);
    if (key === null) return 0;
    let generic = 0;
    // A rule with typo lookups has one feature (settings refuse more): its key is that feature's value.
    const feature = rule.equal[0]!;
    for (const id of this.register.typoVariantsHeld(feature, key)) {
      if (rule.held_ids_only === true && !looksUp(rule, this.register.valueOf(feature, id))) continue;
      if (!this.collectBounded(ruleIndex, Int32Array.of(id), variantsInto)) generic += 1;
    }
    return generic;
  }

  /** Appends the rows holding the record's near keys under a near_lookup rule (blocking.ts nearKeys: a twin's consecutive ID). */
  private collectNear(ruleIndex: number, record: MatchRecord, into: number[]): void {
    const rule = this.rules[ruleIndex]!;
    // A near_lookup rule has one feature (settings refuse more) and no cap.
    for (const near of nearKeys(rule, record)) this.rowsHolding(ruleIndex, [near], into);
  }

  /** Appends the rows holding `key` under the rule; false, appending nothing, when the key is generic for it. */
  private collectBounded(ruleIndex: number, key: Int32Array, into: number[]): boolean {
    const start = into.length;
    const rule = this.rules[ruleIndex]!;
    // With unique IDs a row is a citizen: past the cap the key is generic, whatever else its bucket holds.
    this.indexes[ruleIndex]!.collect(key, into, this.uniqueIds ? (rule.max_block_size ?? Infinity) : Infinity);
    if (!this.isGeneric(rule, into, start)) return true;
    into.length = start;
    return false;
  }

  /**
   * Whether a key, held by these register rows (from `from` on), is held by more citizens than the rule allows: the
   * count is of citizens (distinct IDs), as citizen_blocking_keys counts them, before any filter.
   */
  private isGeneric(rule: BlockingRule, rows: readonly number[], from = 0): boolean {
    const cap = rule.max_block_size;
    if (cap === undefined || rows.length - from <= cap) return false;
    if (this.uniqueIds) return true;
    const ids = new Set<string>();
    for (let at = from; at < rows.length; at += 1) ids.add(this.register.id(rows[at]!));
    return ids.size > cap;
  }

  /**
   * The register rows holding a key under a rule (by its position), the key given as the values of
   * the rule's features, appended to `into` in register order, before any filter; more than `most`
   * stops the scan with `most` + 1 appended. None when a value is held by no row.
   */
  rowsHolding(ruleIndex: number, values: readonly string[], into: number[], most = Infinity): void {
    const rule = this.rules[ruleIndex]!;
    const key = new Int32Array(values.length);
    for (let f = 0; f < values.length; f += 1) {
      const number = this.register.numberOf(rule.equal[f]!, values[f]!);
      if (number < 0) return;
      key[f] = number;
    }
    this.indexes[ruleIndex]!.collect(key, into, most);
  }

  candidatesOf(record: MatchRecord, firstLookup?: FirstLookup): MatchRecord[] {
    const citizenOf = (row: number) => this.register.get(row);
    const first = this.indexesInStep(record, undefined, firstLookup, 'first').map(citizenOf);
    if (!firstLookup || firstLookup.settles(record, first)) return first;
    return first.concat(this.indexesInStep(record, undefined, firstLookup, 'second').map(citizenOf));
  }

  async candidatesFor(records: readonly MatchRecord[], firstLookup?: FirstLookup): Promise<MatchRecord[][]> {
    return records.map((record) => this.candidatesOf(record, firstLookup));
  }

  /** The record's key under the rule as its columns' numbers; null when it has none or no citizen shares a part of it. */
  private keyOf(rule: BlockingRule, record: MatchRecord): Int32Array | null {
    const key = new Int32Array(rule.equal.length);
    for (let f = 0; f < rule.equal.length; f += 1) {
      const feature = rule.equal[f]!;
      const value = record.features[feature];
      if (value === null) return null;
      const id = this.register.numberOf(feature, value);
      if (id < 0) return null;
      key[f] = id;
    }
    return key;
  }
}
