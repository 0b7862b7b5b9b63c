import { detached } from '../csv-rows.js';
import type { StringPool } from '../linkage/compact-register.js';
import { fieldFeatures } from '../linkage/match-record.js';

/**
 * A batch of rows' raw addresses as numbered by AddressNumbering: each row's value number, and
 * the four features (address_key, address_numbers, area_province, area_commune; null where it has
 * none) of each value first seen in the batch, in order, the first of them value `firstValue`.
 */
export interface NumberedAddresses {
  values: Int32Array<ArrayBuffer>;
  firstValue: number;
  features: (string | null)[];
}

/** Numbers a batch of raw addresses, on another thread (address-thread.ts) or here. */
export type NumberAddresses = (raws: (string | null)[]) => Promise<NumberedAddresses>;

/** Distinct raw addresses remembered before starting again (a repeat is then numbered anew): bounded memory, whatever the file. */
const DISTINCT_LIMIT = 500_000;

/**
 * Numbers each distinct raw address of a file, in the order first seen, and works out its features
 * (`fieldFeatures.address`) once: what the address thread does for the reading thread.
 */
export class AddressNumbering {
  private readonly numbers = new Map<string, number>();
  private count = 0;
  private last: string | null = null;
  private lastValue = 0;

  constructor(private readonly distinctLimit = DISTINCT_LIMIT) {}

  number(raws: readonly (string | null)[]): NumberedAddresses {
    const values = new Int32Array(raws.length);
    const features: (string | null)[] = [];
    const firstValue = this.count;
    for (let i = 0; i < raws.length; i += 1) {
      const key = raws[i] ?? '';
      // A household's rows follow each other: most rows have the previous row's address.
      if (key !== this.last) {
        let value = this.numbers.get(key);
        if (value === undefined) {
          if (this.numbers.size >= this.distinctLimit) this.numbers.clear();
          value = this.count;
          this.count += 1;
          this.numbers.set(detached(key), value);
          const f = fieldFeatures.address(raws[i] ?? null).features;
          features.push(f.address_key, f.address_numbers, f.area_province, f.area_commune);
        }
        this.last = key;
        this.lastValue = value;
      }
      values[i] = this.lastValue;
    }
    return { values, firstValue, features };
  }
}

/** A value's string numbers not given yet (-1 is a missing feature): CompactRegister.fillAddresses refuses it. */
const UNFILLED = -2;

/** Rows whose addresses are handed over at a time: few messages, and little of the file waiting for a batch to fill. */
const BATCH = 4_096;
/** Batches handed over and not answered before the reader waits (`backlog`): memory bounded whatever the file. */
const IN_FLIGHT = 16;

/**
 * A register's addresses worked out while the register is read: reading a million citizens is one
 * thread's work, and the addresses (a household's each, so hundreds of thousands of distinct ones,
 * looked up among them and worked out once) were most of it. The reader hands over each row's raw
 * address in batches; the features of each new value are interned into the register's pool as the
 * answers come back, and `addresses` gives each row's value and each value's string numbers.
 */
export class DeferredAddresses {
  private queued: (string | null)[] = [];
  private rows = 0;
  private readonly inFlight: Promise<void>[] = [];
  private valueOfRow = new Int32Array(1 << 16);
  private numbersOfValue = new Int32Array(1 << 16).fill(UNFILLED);

  constructor(
    private readonly numberAddresses: NumberAddresses,
    private readonly pool: StringPool,
  ) {}

  /** The next row's raw address. */
  add(raw: string | null | undefined): void {
    this.queued.push(raw ?? null);
    if (this.queued.length >= BATCH) this.send();
  }

  /** Waits while too many batches are unanswered (called between the reader's batches of rows). */
  async backlog(): Promise<void> {
    while (this.inFlight.length >= IN_FLIGHT) await this.inFlight.shift();
  }

  /** Once every batch is answered, for CompactRegister.fillAddresses; a batch that failed fails it. */
  async addresses(): Promise<{ valueOfRow: Int32Array; numbersOfValue: Int32Array }> {
    if (this.queued.length > 0) this.send();
    while (this.inFlight.length > 0) await this.inFlight.shift();
    return { valueOfRow: this.valueOfRow.subarray(0, this.rows), numbersOfValue: this.numbersOfValue };
  }

  private send(): void {
    const raws = this.queued;
    const first = this.rows;
    const count = raws.length;
    this.queued = [];
    this.rows += count;
    // The answer needs only the batch's place: the raw addresses are not held until it comes.
    const answered = this.numberAddresses(raws).then((numbered) => this.take(first, count, numbered));
    // Awaited in its turn (backlog, addresses); until then its rejection is not unhandled.
    answered.catch(() => undefined);
    this.inFlight.push(answered);
  }

  private take(first: number, count: number, { values, firstValue, features }: NumberedAddresses): void {
    if (values.length !== count || features.length % 4 !== 0)
      throw new Error(`an address batch of ${count} rows came back with ${values.length} values and ${features.length} features`);
    this.valueOfRow = fitting(this.valueOfRow, first + count);
    this.valueOfRow.set(values, first);
    this.numbersOfValue = fitting(this.numbersOfValue, firstValue * 4 + features.length, UNFILLED);
    for (let i = 0; i < features.length; i += 1) this.numbersOfValue[firstValue * 4 + i] = this.pool.internOrNone(features[i]!);
  }
}

/** The array, or a copy twice as long as often as needed to hold `length`, the new places `empty`. */
function fitting(array: Int32Array<ArrayBuffer>, length: number, empty = 0): Int32Array<ArrayBuffer> {
  if (length <= array.length) return array;
  let size = array.length;
  while (size < length) size *= 2;
  const larger = new Int32Array(size).fill(empty, array.length);
  larger.set(array);
  return larger;
}
