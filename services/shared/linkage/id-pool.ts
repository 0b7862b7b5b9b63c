/**
 * The citizen IDs and personal IDs of a compact register, each distinct ID numbered once. A
 * register's IDs are nearly all distinct (ten million at ten million citizens): held as strings
 * in a Map they were most of the time and memory of reading a register, and a Map holds at most
 * 2^24 entries. An ID of digits only, up to 15 of them, is kept as a number (exact below 2^53)
 * with its length (its leading zeros) in typed arrays, found through a hash table of its own;
 * any other ID falls back to a Map.
 */

import { typoVariants } from './blocking.js';
import { sharedFloat64, sharedInt32, sharedUint8 } from './shared-arrays.js';

/** Digits an ID may have to be kept as a number: 10^15 - 1 is below 2^53, so every such number is exact. */
const MAX_DIGITS = 15;
const TWO_TO_32 = 0x1_0000_0000;

/** The number an ID of digits only spells, -1 when it is empty, longer than MAX_DIGITS or holds anything else. */
function digitsValue(id: string): number {
  const length = id.length;
  if (length === 0 || length > MAX_DIGITS) return -1;
  let value = 0;
  for (let at = 0; at < length; at += 1) {
    const digit = id.charCodeAt(at) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** 10^k at k: a digit's weight k places from the right, exact for every place an ID kept as a number has. */
const PLACES = Float64Array.from({ length: MAX_DIGITS }, (_, k) => 10 ** k);

/** The digit of a whole number below 2^53 at `place` (a power of ten). */
function digitAt(value: number, place: number): number {
  return ((value - (value % place)) / place) % 10;
}

const LOW_DIGITS = 100_000_000;

/**
 * The decimal digits of a whole number below 2^53, as String gives them: written as two halves
 * of up to eight digits each, small integers V8 turns into text faster than a double of twelve.
 */
export function digitsOf(value: number): string {
  if (value < LOW_DIGITS) return String(value);
  const high = Math.floor(value / LOW_DIGITS);
  return String(high) + String(value - high * LOW_DIGITS).padStart(8, '0');
}

/** Any 32-bit mix of the number and its length will do: a slot's ID is compared in full. */
function hashOf(value: number, length: number): number {
  let hash = Math.imul(((value % TWO_TO_32) | 0) ^ Math.imul((value / TWO_TO_32) | 0, 0x9e3779b1) ^ length, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/** An IdPool as worker threads receive it: its columns and table in shared memory, its string IDs copied. */
export interface SharedIdPool {
  count: number;
  values: Float64Array;
  lengths: Uint8Array;
  slots: Int32Array;
  strings: readonly string[];
}

export class IdPool {
  private count = 0;
  /** By ID number: the ID's value, or for an ID kept as a string its position in `strings`. */
  private values: Float64Array = sharedFloat64(1024);
  /** By ID number: the ID's digits, 0 for an ID kept as a string. */
  private lengths: Uint8Array = sharedUint8(1024);
  /** Open addressing over the IDs kept as numbers: ID number + 1, 0 for an empty slot. */
  private slots: Int32Array = sharedInt32(2048);
  private readonly stringIds = new Map<string, number>();
  private readonly strings: string[] = [];

  get size(): number {
    return this.count;
  }

  /** Describes the pool for a worker thread: its columns and table are in shared memory already. */
  share(): SharedIdPool {
    return { count: this.count, values: this.values, lengths: this.lengths, slots: this.slots, strings: this.strings };
  }

  /** A worker's pool over shared columns: read-only, since its columns are other threads' too. */
  static fromShared(shared: SharedIdPool): IdPool {
    const pool = new IdPool();
    pool.readOnly = true;
    pool.count = shared.count;
    pool.values = shared.values;
    pool.lengths = shared.lengths;
    pool.slots = shared.slots;
    for (const id of shared.strings) pool.strings.push(id);
    for (let number = 0; number < shared.count; number += 1) {
      if (shared.lengths[number] === 0) pool.stringIds.set(shared.strings[shared.values[number]!]!, number);
    }
    return pool;
  }

  /** Set on a pool made from another thread's share: interning would write memory other threads read. */
  private readOnly = false;

  intern(id: string): number {
    if (this.readOnly) throw new Error('an ID pool shared by another thread is read-only');
    const value = digitsValue(id);
    if (value < 0) return this.internString(id);
    const slot = this.slotOf(value, id.length);
    const found = this.slots[slot]!;
    if (found > 0) return found - 1;
    if (this.count === this.values.length) this.growColumns();
    const number = this.count;
    this.values[number] = value;
    this.lengths[number] = id.length;
    this.slots[slot] = number + 1;
    this.count += 1;
    // At most half the slots in use, so a probe ends soon.
    if (this.count * 2 > this.slots.length) this.growSlots();
    return number;
  }

  /** The number of an ID already in the pool; -1 for one never seen. */
  idOf(id: string): number {
    const value = digitsValue(id);
    if (value < 0) return this.stringIds.get(id) ?? -1;
    return this.slots[this.slotOf(value, id.length)]! - 1;
  }

  /**
   * The numbers of the IDs in the pool that are typo variants of `id` (typoVariants: each digit
   * replaced by each other digit, then each pair of unlike neighbouring digits swapped), in that
   * order. An ID kept as a number has its variants worked out as numbers and probed in the table,
   * with no string made: a register scanned against itself looks up 119 of them per 12-digit ID.
   */
  typoVariantsHeld(id: string): number[] {
    const value = digitsValue(id);
    if (value < 0) return typoVariants(id).flatMap((variant) => this.stringIds.get(variant) ?? []);
    const length = id.length;
    const digits = this.digits;
    let rest = value;
    for (let at = length - 1; at >= 0; at -= 1) {
      digits[at] = rest % 10;
      rest = (rest - digits[at]!) / 10;
    }
    const held: number[] = [];
    const probe = (variant: number) => {
      const found = this.slots[this.slotOf(variant, length)]!;
      if (found > 0) held.push(found - 1);
    };
    for (let at = 0; at < length; at += 1) {
      const place = PLACES[length - 1 - at]!;
      const digit = digits[at]!;
      for (let other = 0; other <= 9; other += 1) if (other !== digit) probe(value + (other - digit) * place);
    }
    held.push(...this.swapsHeld(value, length));
    return held;
  }

  /**
   * Each two IDs of the pool one typo apart (as typoVariantsHeld: one digit replaced, or two
   * unlike neighbouring digits swapped), once, as [x, y] with x < y, in no set order. For a
   * scan of every ID against every other: the IDs one digit apart are found by grouping, for each
   * place, the IDs of one length with that digit left out (a sort per place) instead of probing
   * each ID's 108 replaced digits one by one, which at a million IDs was most of the duplicate
   * scan's typo lookups; the 11 swaps are probed.
   */
  *typoPairs(): Generator<[number, number]> {
    const byLength = new Map<number, number[]>();
    for (let number = 0; number < this.count; number += 1) {
      const length = this.lengths[number]!;
      if (length === 0) {
        for (const other of this.typoVariantsHeld(this.strings[this.values[number]!]!)) if (other > number) yield [number, other];
        continue;
      }
      let numbers = byLength.get(length);
      if (!numbers) byLength.set(length, (numbers = []));
      numbers.push(number);
      for (const other of this.swapsHeld(this.values[number]!, length)) if (other > number) yield [number, other];
    }
    for (const [length, numbers] of byLength) {
      for (let place = 0; place < length; place += 1) yield* this.oneDigitApart(numbers, PLACES[place]!);
    }
  }

  /** Pairs of `numbers` (IDs of one length) whose digits differ at `place` (a power of ten) only. */
  private *oneDigitApart(numbers: readonly number[], place: number): Generator<[number, number]> {
    const without = new Float64Array(numbers.length);
    numbers.forEach((number, at) => {
      const value = this.values[number]!;
      const low = value % place;
      const high = value - low - digitAt(value, place) * place;
      // The ID with the digit at `place` taken out: exact, as every part is a whole number below 2^53.
      without[at] = high / 10 + low;
    });
    const sorted = without.slice().sort();
    const shared = new Set<number>();
    for (let at = 1; at < sorted.length; at += 1) if (sorted[at] === sorted[at - 1]) shared.add(sorted[at]!);
    if (shared.size === 0) return;
    const groups = new Map<number, number[]>();
    numbers.forEach((number, at) => {
      const key = without[at]!;
      if (!shared.has(key)) return;
      const group = groups.get(key);
      if (group) group.push(number);
      else groups.set(key, [number]);
    });
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += 1) for (let j = i + 1; j < group.length; j += 1) yield [group[i]!, group[j]!];
    }
  }

  /** The IDs of the pool that are the ID of `length` digits spelling `value` with two unlike neighbouring digits swapped, from the left. */
  private swapsHeld(value: number, length: number): number[] {
    const held: number[] = [];
    for (let at = 0; at + 1 < length; at += 1) {
      const [left, right] = [digitAt(value, PLACES[length - 1 - at]!), digitAt(value, PLACES[length - 2 - at]!)];
      if (left === right) continue;
      // Swapping them moves (right - left) from the lower place to the higher: 10 - 1 = 9 of the lower.
      const found = this.slots[this.slotOf(value + (right - left) * 9 * PLACES[length - 2 - at]!, length)]!;
      if (found > 0) held.push(found - 1);
    }
    return held;
  }

  /** Scratch for typoVariantsHeld: an ID's digits, most significant first. */
  private readonly digits = new Uint8Array(MAX_DIGITS);

  value(number: number): string {
    const length = this.lengths[number]!;
    return length === 0 ? this.strings[this.values[number]!]! : digitsOf(this.values[number]!).padStart(length, '0');
  }

  /** The slot holding this ID, or the empty slot where it would go. */
  private slotOf(value: number, length: number): number {
    const mask = this.slots.length - 1;
    let slot = hashOf(value, length) & mask;
    for (;;) {
      const found = this.slots[slot]!;
      if (found === 0 || (this.values[found - 1] === value && this.lengths[found - 1] === length)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private internString(id: string): number {
    let number = this.stringIds.get(id);
    if (number === undefined) {
      if (this.count === this.values.length) this.growColumns();
      number = this.count;
      this.values[number] = this.strings.length;
      this.lengths[number] = 0;
      this.strings.push(id);
      this.stringIds.set(id, number);
      this.count += 1;
    }
    return number;
  }

  private growColumns(): void {
    const values = sharedFloat64(this.values.length * 2);
    values.set(this.values);
    this.values = values;
    const lengths = sharedUint8(this.lengths.length * 2);
    lengths.set(this.lengths);
    this.lengths = lengths;
  }

  private growSlots(): void {
    this.slots = sharedInt32(this.slots.length * 2);
    for (let number = 0; number < this.count; number += 1) {
      const length = this.lengths[number]!;
      if (length > 0) this.slots[this.slotOf(this.values[number]!, length)] = number + 1;
    }
  }
}
