import { detached } from '../csv-rows.js';
import { typoVariants } from './blocking.js';
import type { DatePrecision, PartialDate } from '../schemas/records.js';
import { IdPool, type SharedIdPool } from './id-pool.js';
import { sharedInt32 } from './shared-arrays.js';
import { FEATURES, fieldFeatures, type Feature, type MatchRecord, type RawPerson } from './match-record.js';

/** Each distinct string once, numbered: a register repeats its names, dates and places a million times. */
export class StringPool {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];

  intern(value: string): number {
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      this.ids.set(value, id);
    }
    return id;
  }

  /** Every string, by number: what a worker's pool is made of (`StringPool.of`). */
  strings(): readonly string[] {
    return this.values;
  }

  /** A pool of these strings, numbered by their positions. */
  static of(values: readonly string[]): StringPool {
    const pool = new StringPool();
    for (const value of values) pool.intern(value);
    return pool;
  }

  internOrNone(value: string | null): number {
    return value === null ? -1 : this.intern(value);
  }

  /** The number of a string already in the pool; -1 for one never seen. */
  idOf(value: string): number {
    return this.ids.get(value) ?? -1;
  }

  value(id: number): string {
    return this.values[id]!;
  }

  /** The string of a number, null for -1 (a missing value). */
  valueOrNull(id: number): string | null {
    return id < 0 ? null : this.values[id]!;
  }

  get size(): number {
    return this.values.length;
  }
}

/** A compact register as a worker thread receives it (`CompactRegister.share`). */
export interface SharedRegister {
  count: number;
  rows: Int32Array;
  strings: readonly string[];
  ids: SharedIdPool;
}

const NONE = -1;
const AT = Object.fromEntries(FEATURES.map((feature, f) => [feature, f])) as Record<Feature, number>;
const PRECISIONS: (DatePrecision | null)[] = [null, 'YEAR', 'MONTH', 'DAY'];
const NAME_FEATURES = [AT.name_key, AT.name_tokens_sorted, AT.family_key, AT.family_group, AT.middle_key, AT.given_key];
const DATE_FEATURES = [AT.dob, AT.dob_year, AT.dob_year_month, AT.dob_swapped];

/**
 * A citizen's row: its features' numbers at their positions in FEATURES, then its date of birth
 * (the date's string number times 4, plus its precision's index in PRECISIONS), then its ID's
 * number. Eighteen numbers, 72 bytes: a candidate is read from two cache lines, where a column
 * per feature cost a cache miss per feature (most of a candidate's cost at millions).
 */
export const ROW_STRIDE = FEATURES.length + 2;
const DATE_AT = FEATURES.length;
const ID_AT = FEATURES.length + 1;

/** Distinct raw values of one field remembered before starting again: bounded memory, whatever the file. */
const CACHE_LIMIT = 500_000;
/** Address token sets kept (a power of two): about as many as CACHE_LIMIT. */
const TOKEN_SLOTS = 1 << 19;
const NO_TOKENS: ReadonlySet<string> = new Set();

/** A date of birth in a row: its string number (-1 for none) and its precision's index in two bits. */
function dateNumber(value: number, precision: number): number {
  return value * 4 + precision;
}

type Field = 'name' | 'date' | 'sex' | 'address';

/** One field's raw values seen so far, by the offset of their numbers in FieldNumbers' slab, and the last one looked up. */
interface FieldCache {
  offsets: Map<string, number>;
  last: string | null;
  lastOffset: number;
}

function fieldCache(): FieldCache {
  return { offsets: new Map(), last: null, lastOffset: 0 };
}

/**
 * The string numbers of the features of each raw field value seen while reading one file (a
 * register of a million repeats some tens of thousands of names and dates): per field, the
 * value's offset in one typed array of numbers. Dropped once the file is read.
 */
export class FieldNumbers {
  slab = new Int32Array(1 << 16);
  private used = 0;
  /** One cache per field, as fields of an object rather than entries of a Map looked up on every call. */
  private readonly caches: Record<Field, FieldCache> = { name: fieldCache(), date: fieldCache(), sex: fieldCache(), address: fieldCache() };

  /** Where the numbers of this field's value start in `slab`; `make` gives them the first time. */
  numbersOf(field: Field, raw: string | null | undefined, make: (raw: string | null) => number[]): number {
    const fieldCache = this.caches[field];
    const key = raw ?? '';
    // A household's rows follow each other: most rows of a register have the previous row's
    // address, found here without a lookup in a map of hundreds of thousands of addresses.
    if (key === fieldCache.last) return fieldCache.lastOffset;
    const cache = fieldCache.offsets;
    let offset = cache.get(key);
    if (offset === undefined) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      const numbers = make(raw ?? null);
      if (this.used + numbers.length > this.slab.length) {
        const larger = new Int32Array(this.slab.length * 2);
        larger.set(this.slab);
        this.slab = larger;
      }
      offset = this.used;
      this.slab.set(numbers, offset);
      this.used += numbers.length;
      cache.set(detached(key), offset);
    }
    fieldCache.last = key;
    fieldCache.lastOffset = offset;
    return offset;
  }
}

/** What `addPerson` found in a row that is there but cannot be read (bits): its date of birth, its sex. */
export const UNREADABLE_DATE = 1;
export const UNREADABLE_SEX = 2;

/**
 * A register of match records held as rows of string numbers in one typed array (ROW_STRIDE),
 * instead of an object per citizen and per field: a million citizens take about a tenth of the
 * memory, and the collector has almost nothing to trace. A citizen becomes a MatchRecord again
 * only when asked for (a candidate), equal to the one that was added: its address tokens are
 * its address key's words, as toMatchRecord makes them. The citizen IDs and the personal_id
 * column are numbered by an IdPool of their own (nearly every ID is distinct), every other
 * feature by the string pool.
 */
export class CompactRegister {
  readonly pool: StringPool;
  readonly idPool: IdPool;
  private count = 0;
  private capacity = 1024;
  private rows: Int32Array = sharedInt32(1024 * ROW_STRIDE);
  /** Rows added with `addressLater` lack their address until `fillAddresses`: a register being read uses none of its rows before then. */
  private addressesPending = false;

  constructor(shared?: SharedRegister) {
    this.pool = shared ? StringPool.of(shared.strings) : new StringPool();
    this.idPool = shared ? IdPool.fromShared(shared.ids) : new IdPool();
    if (shared) {
      this.rows = shared.rows;
      this.count = shared.count;
      this.capacity = shared.count;
    }
  }

  /**
   * Describes the register for a worker thread (its rows and ID pool are in shared memory): it reads the same rows and IDs, and makes its own
   * string pool from the strings (a copy each: strings cannot be shared between threads).
   */
  share(): SharedRegister {
    this.requireAddresses();
    return { count: this.count, rows: this.rows, strings: this.pool.strings(), ids: this.idPool.share() };
  }

  static of(records: Iterable<MatchRecord>): CompactRegister {
    const register = new CompactRegister();
    for (const record of records) register.add(record);
    return register;
  }

  get size(): number {
    return this.count;
  }

  add(record: MatchRecord): void {
    if (this.count === this.capacity) this.grow();
    this.idNumbers = null;
    const row = this.count * ROW_STRIDE;
    this.rows[row + ID_AT] = this.idPool.intern(record.id);
    FEATURES.forEach((feature, f) => {
      const value = record.features[feature];
      this.rows[row + f] = value === null ? NONE : f === AT.personal_id ? this.idPool.intern(value) : this.pool.intern(value);
    });
    const date = record.dateOfBirth;
    this.rows[row + DATE_AT] = dateNumber(date ? this.pool.intern(date.value) : NONE, date ? PRECISIONS.indexOf(date.precision) : 0);
    this.count += 1;
  }

  /**
   * Adds a citizen straight from its raw fields, as toMatchRecord would read it: with `fields`
   * kept for a whole file, each distinct name, date and address is worked out and numbered once,
   * not once per citizen. With `addressLater` the address is left to `fillAddresses`. Returns
   * which of its fields are there but cannot be read (UNREADABLE_DATE, UNREADABLE_SEX; 0: none):
   * the register holds them as missing.
   */
  addPerson(id: string, person: RawPerson, fields: FieldNumbers, addressLater = false): number {
    if (this.count === this.capacity) this.grow();
    this.idNumbers = null;
    const row = this.count * ROW_STRIDE;
    const { rows, pool, idPool } = this;
    rows[row + ID_AT] = idPool.intern(id);
    const personalId = fieldFeatures.personalId(person.personal_id);
    rows[row + AT.personal_id] = personalId === null ? NONE : idPool.intern(personalId);
    const name = fields.numbersOf('name', person.full_name, (raw) => {
      const f = fieldFeatures.name(raw);
      return [f.name_key, f.name_tokens_sorted, f.family_key, f.family_group, f.middle_key, f.given_key].map((value) => pool.internOrNone(value));
    });
    for (let i = 0; i < NAME_FEATURES.length; i += 1) rows[row + NAME_FEATURES[i]!] = fields.slab[name + i]!;
    // Whether a value can be read is worked out with its features, once per distinct value: the
    // reader needs no lookup of its own.
    const date = fields.numbersOf('date', person.date_of_birth, (raw) => {
      const { dateOfBirth, features: f } = fieldFeatures.date(raw);
      return [
        ...[f.dob, f.dob_year, f.dob_year_month, f.dob_swapped, dateOfBirth?.value ?? null].map((value) => pool.internOrNone(value)),
        dateOfBirth ? PRECISIONS.indexOf(dateOfBirth.precision) : 0,
        dateOfBirth === null && raw !== null && raw.trim() !== '' ? UNREADABLE_DATE : 0,
      ];
    });
    for (let i = 0; i < DATE_FEATURES.length; i += 1) rows[row + DATE_FEATURES[i]!] = fields.slab[date + i]!;
    rows[row + DATE_AT] = dateNumber(fields.slab[date + 4]!, fields.slab[date + 5]!);
    const sex = fields.numbersOf('sex', person.sex, (raw) => {
      const parsed = fieldFeatures.sex(raw);
      return [pool.internOrNone(parsed), parsed === null && raw !== null && raw.trim() !== '' ? UNREADABLE_SEX : 0];
    });
    // Read after the last lookup: a value seen first grows the slab into a new array.
    const { slab } = fields;
    rows[row + AT.sex] = slab[sex]!;
    const unreadable = slab[date + 6]! | slab[sex + 1]!;
    this.count += 1;
    if (addressLater) {
      this.addressesPending = true;
      return unreadable;
    }
    const address = fields.numbersOf('address', person.address, (raw) => {
      const { features: f } = fieldFeatures.address(raw);
      return [pool.internOrNone(f.address_key), pool.internOrNone(f.address_numbers), pool.internOrNone(f.area_province), pool.internOrNone(f.area_commune)];
    });
    rows[row + AT.address_key] = fields.slab[address]!;
    rows[row + AT.address_numbers] = fields.slab[address + 1]!;
    rows[row + AT.area_province] = fields.slab[address + 2]!;
    rows[row + AT.area_commune] = fields.slab[address + 3]!;
    return unreadable;
  }

  /**
   * Gives every row its address: row i's raw address is value `valueOfRow[i]`, whose string
   * numbers of address_key, address_numbers, area_province and area_commune are at 4v to 4v + 3
   * of `numbersOfValue` (a reader that works the addresses out on another thread interns them as
   * they come back; a value not given is below -1). Every row of a register read that way was
   * added with `addressLater`.
   */
  fillAddresses(valueOfRow: Int32Array, numbersOfValue: Int32Array): void {
    if (valueOfRow.length !== this.count) throw new Error(`addresses for ${valueOfRow.length} rows given to a register of ${this.count}`);
    const { rows } = this;
    for (let citizen = 0; citizen < this.count; citizen += 1) {
      const row = citizen * ROW_STRIDE;
      const value = valueOfRow[citizen]! * 4;
      const key = numbersOfValue[value];
      // Below -1 (a missing feature), or past the end: a value whose features never came, refused rather than read as another's.
      if (key === undefined || key < NONE) throw new Error(`citizen ${citizen}'s address (value ${value / 4}) has no features`);
      rows[row + AT.address_key] = key;
      rows[row + AT.address_numbers] = numbersOfValue[value + 1]!;
      rows[row + AT.area_province] = numbersOfValue[value + 2]!;
      rows[row + AT.area_commune] = numbersOfValue[value + 3]!;
    }
    this.addressesPending = false;
  }

  private requireAddresses(): void {
    if (this.addressesPending) throw new Error("the register's addresses are not filled in yet (fillAddresses)");
  }

  /**
   * The citizens' rows: citizen i's number for a feature (a string number, an ID number for
   * personal_id, -1 where the citizen has none) at i * ROW_STRIDE + featureAt(feature). Grows
   * with the register: read it again after adding citizens.
   */
  featureRows(): Int32Array {
    this.requireAddresses();
    return this.rows;
  }

  /** A feature's position in a row. */
  featureAt(feature: Feature): number {
    return AT[feature];
  }

  /** The number a value of a feature has in its column; -1 for a value no citizen has been given. */
  numberOf(feature: Feature, value: string): number {
    return feature === 'personal_id' ? this.idPool.idOf(value) : this.pool.idOf(value);
  }

  /** The numbers of the values of a feature's column that are typo variants of `value` (typoVariants), in their order. */
  typoVariantsHeld(feature: Feature, value: string): number[] {
    if (feature === 'personal_id') return this.idPool.typoVariantsHeld(value);
    return typoVariants(value).flatMap((variant) => {
      const number = this.pool.idOf(variant);
      return number < 0 ? [] : [number];
    });
  }

  /** The value of a feature's number in its column. */
  valueOf(feature: Feature, number: number): string {
    return feature === 'personal_id' ? this.idPool.value(number) : this.pool.value(number);
  }

  id(index: number): string {
    return this.idPool.value(this.rows[index * ROW_STRIDE + ID_AT]!);
  }

  private idNumber(index: number): number {
    return this.rows[index * ROW_STRIDE + ID_AT]!;
  }

  /**
   * The row of each ID number that is a citizen ID, -1 for the others (the ID pool holds personal IDs too); made when first asked,
   * dropped when a citizen is added. A citizen ID held twice gives its last row.
   */
  private idNumbers: Int32Array | null = null;

  /** The row of the citizen with this ID, -1 when no citizen of the register has it. */
  indexOf(id: string): number {
    const number = this.idPool.idOf(id);
    if (number < 0) return -1;
    if (this.idNumbers === null) {
      this.idNumbers = new Int32Array(this.idPool.size).fill(-1);
      for (let at = 0; at < this.count; at += 1) this.idNumbers[this.idNumber(at)] = at;
    }
    return this.idNumbers[number]!;
  }

  /** Whether a citizen of the register has this ID. */
  hasId(id: string): boolean {
    return this.indexOf(id) >= 0;
  }

  /** Whether no citizen ID occurs twice. */
  idsAreUnique(): boolean {
    const seen = new Uint8Array(this.idPool.size);
    for (let at = 0; at < this.count; at += 1) {
      if (seen[this.idNumber(at)]) return false;
      seen[this.idNumber(at)] = 1;
    }
    return true;
  }

  /**
   * Address tokens by the address's string number, in a cache of TOKEN_SLOTS slots each holding
   * the last address whose number falls in it: addresses repeat, and a set per candidate was most
   * of a lookup's cost. A register of millions has more addresses than the cache holds; a slot
   * replaced costs one set, where a map that was emptied when full cost all of them at once.
   */
  private tokenSlots: { addresses: Int32Array; sets: ReadonlySet<string>[] } | null = null;

  private tokensOf(address: number): ReadonlySet<string> {
    if (address < 0) return NO_TOKENS;
    // Made when a candidate is first asked for: a register only read, or only indexed, needs none.
    this.tokenSlots ??= { addresses: new Int32Array(TOKEN_SLOTS).fill(NONE), sets: new Array<ReadonlySet<string>>(TOKEN_SLOTS) };
    const { addresses, sets } = this.tokenSlots;
    const slot = address & (TOKEN_SLOTS - 1);
    if (addresses[slot] === address) return sets[slot]!;
    const key = this.pool.value(address);
    const tokens = new Set(key ? key.split(' ') : []);
    addresses[slot] = address;
    sets[slot] = tokens;
    return tokens;
  }

  get(index: number): MatchRecord {
    this.requireAddresses();
    const { pool, rows } = this;
    const row = index * ROW_STRIDE;
    const value = (f: number): string | null => pool.valueOrNull(rows[row + f]!);
    const personalId = rows[row + AT.personal_id]!;
    const addressKey = value(AT.address_key);
    const date = rows[row + DATE_AT]!;
    const precision = PRECISIONS[date & 3];
    const dateOfBirth: PartialDate | null = precision ? { value: pool.value(date >> 2), precision } : null;
    const idNumber = rows[row + ID_AT]!;
    const id = this.idPool.value(idNumber);
    return {
      id,
      dateOfBirth,
      addressTokens: this.tokensOf(rows[row + AT.address_key]!),
      // Written out, so every record shares one shape.
      features: {
        // Most citizens' personal ID is their citizen ID, one number in the pool: its string is made once.
        personal_id: personalId < 0 ? null : personalId === idNumber ? id : this.idPool.value(personalId),
        name_key: value(AT.name_key),
        name_tokens_sorted: value(AT.name_tokens_sorted),
        family_key: value(AT.family_key),
        family_group: value(AT.family_group),
        middle_key: value(AT.middle_key),
        given_key: value(AT.given_key),
        dob: value(AT.dob),
        dob_year: value(AT.dob_year),
        dob_year_month: value(AT.dob_year_month),
        dob_swapped: value(AT.dob_swapped),
        sex: value(AT.sex),
        address_key: addressKey,
        address_numbers: value(AT.address_numbers),
        area_province: value(AT.area_province),
        area_commune: value(AT.area_commune),
      },
    };
  }

  private grow(): void {
    this.capacity = Math.max(1024, this.capacity * 2);
    const rows = sharedInt32(this.capacity * ROW_STRIDE);
    rows.set(this.rows);
    this.rows = rows;
  }
}
