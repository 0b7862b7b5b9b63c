import { InternalError } from '../errors.js';
import { blockingKey, KEY_SEPARATOR, lookupKey, looksUp, nearKeys, passesFilter } from './blocking.js';
import { inStep, type CandidateSource, type FirstLookup } from './candidate-source.js';
import type { CompactRegister } from './compact-register.js';
import { IdPool } from './id-pool.js';
import { InMemoryCandidateSource } from './in-memory-candidates.js';
import type { MatchRecord } from './match-record.js';
import type { BlockingRule } from './settings.js';

/** A citizen as the register holds it now; null when it holds her no longer (merged into another, or removed). */
export type CitizenNow = readonly [citizenId: string, now: MatchRecord | null];

const GENERIC = Symbol('generic');

/** A key's holders now: rows of the snapshot whose citizen has not changed since, and changed citizens as they are now. */
interface Holders {
  rows: number[];
  now: MatchRecord[];
}

const NOBODY: Holders = { rows: [], now: [] };

/** The citizens a record has found so far: snapshot rows by number (no ID string made to ask), changed citizens by ID. */
interface Seen {
  rows: Set<number>;
  ids: Set<string>;
}

/**
 * A register's candidates in memory, kept current: the index of a snapshot of the register (an
 * InMemoryCandidateSource over its compact rows), and beside it the citizens changed since, each
 * as it is now or gone, under keys of their own. A changed citizen's snapshot row is never read
 * again. Pure: what the register holds now comes in through `apply`.
 *
 * It answers as PostgresCandidateSource does over the register as it is now, which is what the
 * streaming linker decided with before: per rule the record's key as it looks it up (lookupKey),
 * its near keys when a citizen holds that key and its typo variants when none does (in two steps
 * when asked: candidate-source.ts FirstLookup); a key held by more citizens
 * than the rule's max_block_size is generic and brings none (counted); the rule's filter, and each
 * citizen once per record.
 */
export class LiveCandidateSource implements CandidateSource {
  private readonly base: InMemoryCandidateSource;
  private readonly changed = new Map<string, MatchRecord | null>();
  /** The snapshot's rows of the changed citizens: never read again, and told apart without making their IDs. */
  private readonly changedRows = new Set<number>();
  /** The changed citizens' own keys, by rule (its position): key to the ids holding it. */
  private readonly overlay: Map<string, Set<string>>[];
  /**
   * Every key a changed citizen has held under a typo_lookup rule (by its position), numbered so
   * that a key's typo variants among them are probed as numbers. Never emptied: a key no
   * changed citizen holds any more is dropped by the overlay's own answer.
   */
  private readonly overlayKeys: (IdPool | null)[];
  private readonly genericCounts: number[];

  constructor(
    readonly rules: readonly BlockingRule[],
    snapshot: CompactRegister,
  ) {
    // Rows are told apart by number, and a changed citizen's row found by her ID: one row per citizen.
    if (!snapshot.idsAreUnique()) throw new InternalError('a snapshot of the register holds a citizen ID twice');
    this.base = new InMemoryCandidateSource(rules, snapshot);
    this.genericCounts = rules.map(() => 0);
    this.overlay = rules.map(() => new Map<string, Set<string>>());
    this.overlayKeys = rules.map((rule) => (rule.typo_lookup === undefined ? null : new IdPool()));
  }

  /** Citizens in the snapshot. */
  get snapshotSize(): number {
    return this.base.register.size;
  }

  /** Citizens changed since the snapshot (created, changed, or gone): what a fresh snapshot would fold in. */
  get changedSince(): number {
    return this.changed.size;
  }

  /** Takes in citizens as they are now; a citizen given twice is as last given. */
  apply(citizens: Iterable<CitizenNow>): void {
    for (const [id, now] of citizens) {
      const before = this.changed.get(id);
      if (before) this.rules.forEach((rule, r) => this.release(r, blockingKey(rule, before), id));
      this.changed.set(id, now);
      const row = this.base.register.indexOf(id);
      if (row >= 0) this.changedRows.add(row);
      if (!now) continue;
      this.rules.forEach((rule, r) => {
        const key = blockingKey(rule, now);
        if (key === null) return;
        const holders = this.overlay[r]!.get(key);
        if (holders) holders.add(id);
        else this.overlay[r]!.set(key, new Set([id]));
        this.overlayKeys[r]?.intern(key);
      });
    }
  }

  async candidatesFor(records: readonly MatchRecord[], firstLookup?: FirstLookup): Promise<MatchRecord[][]> {
    return records.map((record) => this.candidatesOf(record, firstLookup));
  }

  candidatesOf(record: MatchRecord, firstLookup?: FirstLookup): MatchRecord[] {
    const found: MatchRecord[] = [];
    const seen: Seen = { rows: new Set(), ids: new Set() };
    this.takeStep(record, firstLookup, 'first', found, seen);
    if (firstLookup && !firstLookup.settles(record, found)) this.takeStep(record, firstLookup, 'second', found, seen);
    return found;
  }

  /** One step's candidates (candidate-source.ts FirstLookup), added to `found`. */
  private takeStep(record: MatchRecord, firstLookup: FirstLookup | undefined, step: 'first' | 'second', found: MatchRecord[], seen: Seen): void {
    const unanswered: number[] = [];
    this.rules.forEach((rule, r) => {
      if (!inStep(firstLookup, step, rule.name)) return;
      const key = lookupKey(rule, record);
      const holders = key === null ? NOBODY : this.holders(r, key);
      this.take(r, record, holders, found, seen);
      if (holders === GENERIC) return;
      if (holders.rows.length + holders.now.length === 0) unanswered.push(r);
      // A key with a holder: its near keys too (a twin's consecutive ID), as in PostgreSQL.
      else for (const near of nearKeys(rule, record)) this.take(r, record, this.holders(r, near), found, seen);
    });
    // A typo_lookup rule's variants, only where the record's own key found nobody, as in PostgreSQL.
    for (const r of unanswered) {
      for (const variant of this.variantsHeld(r, record)) this.take(r, record, this.holders(r, variant), found, seen);
    }
  }

  /**
   * The typo variants of the record's key (blocking.ts fallbackKeys) that someone may hold: those
   * the snapshot holds and those a changed citizen holds now, both probed as numbers (nearly all
   * of an ID's 119 are no one's, and making each into a lookup was a fifth of the lookups' time).
   * Any other variant would bring nobody.
   */
  private variantsHeld(r: number, record: MatchRecord): string[] {
    const rule = this.rules[r]!;
    const key = rule.typo_lookup === undefined ? null : blockingKey(rule, record);
    if (key === null) return [];
    // A typo_lookup rule has one feature (settings refuse more): its key is that feature's value.
    const feature = rule.equal[0]!;
    const register = this.base.register;
    const held = new Set<string>();
    for (const number of register.typoVariantsHeld(feature, key)) held.add(register.valueOf(feature, number));
    const overlay = this.overlay[r]!;
    const keys = this.overlayKeys[r]!;
    for (const number of keys.typoVariantsHeld(key)) {
      const variant = keys.value(number);
      if (overlay.has(variant)) held.add(variant);
    }
    return [...held].filter((variant) => looksUp(rule, variant));
  }

  /** Lookups skipped because their key was generic, per rule name, since the source was made. */
  genericLookups(): Map<string, number> {
    return new Map(this.rules.map((rule, r) => [rule.name, this.genericCounts[r]!]));
  }

  /**
   * Adds the holders not found before that pass the rule's filter. A snapshot row is made into a
   * match record only when it was not found under an earlier rule: the record's own citizen is
   * usually found under most of them.
   */
  private take(r: number, record: MatchRecord, holders: Holders | typeof GENERIC, found: MatchRecord[], seen: Seen): void {
    if (holders === GENERIC) {
      this.genericCounts[r]! += 1;
      return;
    }
    const rule = this.rules[r]!;
    const register = this.base.register;
    // A citizen that fails this rule's filter may still come in under another rule.
    for (const row of holders.rows) {
      if (seen.rows.has(row)) continue;
      const citizen = register.get(row);
      if (!passesFilter(rule, record, citizen)) continue;
      seen.rows.add(row);
      found.push(citizen);
    }
    for (const citizen of holders.now) {
      if (seen.ids.has(citizen.id) || !passesFilter(rule, record, citizen)) continue;
      seen.ids.add(citizen.id);
      found.push(citizen);
    }
  }

  /**
   * The citizens holding a key under a rule now: the snapshot's holders not changed since, and the
   * changed ones that hold it now. GENERIC when they are more than the rule's max_block_size. The
   * snapshot is read to one past the cap, and again in full only when a changed citizen is among those.
   */
  private holders(r: number, key: string): Holders | typeof GENERIC {
    const values = this.rules[r]!.equal.length === 1 ? [key] : key.split(KEY_SEPARATOR);
    const cap = this.rules[r]!.max_block_size ?? Infinity;
    const { changedRows } = this;
    let rows: number[] = [];
    this.base.rowsHolding(r, values, rows, cap);
    const current = (row: number): boolean => !changedRows.has(row);
    if (rows.length > cap) {
      if (changedRows.size === 0 || rows.every(current)) return GENERIC;
      rows = [];
      this.base.rowsHolding(r, values, rows);
    }
    if (changedRows.size > 0) rows = rows.filter(current);
    const now: MatchRecord[] = [];
    for (const id of this.overlay[r]!.get(key) ?? []) now.push(this.changed.get(id)!);
    return rows.length + now.length > cap ? GENERIC : { rows, now };
  }

  private release(r: number, key: string | null, id: string): void {
    const holders = key === null ? undefined : this.overlay[r]!.get(key);
    if (!holders) return;
    holders.delete(id);
    if (holders.size === 0) this.overlay[r]!.delete(key!);
  }
}
