import { detached } from '../csv-rows.js';
import type { DatePrecision, PartialDate } from '../schemas/records.js';
import { IdPool } from './id-pool.js';
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

const NONE = -1;
const AT = Object.fromEntries(FEATURES.map((feature, f) => [feature, f])) as Record<Feature, number>;
const PRECISIONS: (DatePrecision | null)[] = [null, 'YEAR', 'MONTH', 'DAY'];
const NAME_FEATURES = [AT.name_key, AT.name_tokens_sorted, AT.family_key, AT.family_group, AT.middle_key, AT.given_key];
const DATE_FEATURES = [AT.dob, AT.dob_year, AT.dob_year_month, AT.dob_swapped];

function grown(column: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(capacity);
  next.set(column);
  return next;
}

/** Distinct raw values of one field remembered before starting again: bounded memory, whatever the file. */
const CACHE_LIMIT = 500_000;

type Field = 'name' | 'date' | 'sex' | 'address';

/**
 * The string numbers of the features of each raw field value seen while reading one file (a
 * register of a million repeats some tens of thousands of names and dates): per field, the
 * value's offset in one typed array of numbers. Dropped once the file is read.
 */
export class FieldNumbers {
  slab = new Int32Array(1 << 16);
  private used = 0;
  private readonly caches = new Map<Field, { offsets: Map<string, number>; last: string | null; lastOffset: number }>();

  /** Where the numbers of this field's value start in `slab`; `make` gives them the first time. */
  numbersOf(field: Field, raw: string | null | undefined, make: (raw: string | null) => number[]): number {
    let fieldCache = this.caches.get(field);
    if (!fieldCache) {
      fieldCache = { offsets: new Map(), last: null, lastOffset: 0 };
      this.caches.set(field, fieldCache);
    }
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

/**
 * A register of match records held as columns of string numbers, one typed array per feature,
 * instead of an object per citizen and per field: a million citizens take about a tenth of the
 * memory, and the collector has almost nothing to trace. A citizen becomes a MatchRecord again
 * only when asked for (a candidate), equal to the one that was added: its address tokens are
 * its address key's words, as toMatchRecord makes them. The citizen IDs and the personal_id
 * column are numbered by an IdPool of their own (nearly every ID is distinct), every other
 * feature by the string pool.
 */
export class CompactRegister {
  readonly pool = new StringPool();
  readonly idPool = new IdPool();
  private count = 0;
  private ids = new Int32Array(1024);
  private readonly columns = FEATURES.map(() => new Int32Array(1024));
  private dateValues = new Int32Array(1024);
  private datePrecisions = new Uint8Array(1024);

  static of(records: Iterable<MatchRecord>): CompactRegister {
    const register = new CompactRegister();
    for (const record of records) register.add(record);
    return register;
  }

  get size(): number {
    return this.count;
  }

  add(record: MatchRecord): void {
    if (this.count === this.ids.length) this.grow();
    this.idNumbers = null;
    const at = this.count;
    this.ids[at] = this.idPool.intern(record.id);
    FEATURES.forEach((feature, f) => {
      const value = record.features[feature];
      this.columns[f]![at] = value === null ? NONE : f === AT.personal_id ? this.idPool.intern(value) : this.pool.intern(value);
    });
    const date = record.dateOfBirth;
    this.dateValues[at] = date ? this.pool.intern(date.value) : NONE;
    this.datePrecisions[at] = date ? PRECISIONS.indexOf(date.precision) : 0;
    this.count += 1;
  }

  /**
   * Adds a citizen straight from its raw fields, as toMatchRecord would read it: with `fields`
   * kept for a whole file, each distinct name, date and address is worked out and numbered once,
   * not once per citizen.
   */
  addPerson(id: string, person: RawPerson, fields: FieldNumbers): void {
    if (this.count === this.ids.length) this.grow();
    this.idNumbers = null;
    const at = this.count;
    const { columns, pool, idPool } = this;
    this.ids[at] = idPool.intern(id);
    const personalId = fieldFeatures.personalId(person.personal_id);
    columns[AT.personal_id]![at] = personalId === null ? NONE : idPool.intern(personalId);
    const name = fields.numbersOf('name', person.full_name, (raw) => {
      const f = fieldFeatures.name(raw);
      return [f.name_key, f.name_tokens_sorted, f.family_key, f.family_group, f.middle_key, f.given_key].map((value) => pool.internOrNone(value));
    });
    NAME_FEATURES.forEach((f, i) => {
      columns[f]![at] = fields.slab[name + i]!;
    });
    const date = fields.numbersOf('date', person.date_of_birth, (raw) => {
      const { dateOfBirth, features: f } = fieldFeatures.date(raw);
      return [
        ...[f.dob, f.dob_year, f.dob_year_month, f.dob_swapped, dateOfBirth?.value ?? null].map((value) => pool.internOrNone(value)),
        dateOfBirth ? PRECISIONS.indexOf(dateOfBirth.precision) : 0,
      ];
    });
    DATE_FEATURES.forEach((f, i) => {
      columns[f]![at] = fields.slab[date + i]!;
    });
    this.dateValues[at] = fields.slab[date + 4]!;
    this.datePrecisions[at] = fields.slab[date + 5]!;
    columns[AT.sex]![at] = fields.slab[fields.numbersOf('sex', person.sex, (raw) => [pool.internOrNone(fieldFeatures.sex(raw))])]!;
    const address = fields.numbersOf('address', person.address, (raw) => {
      const { features: f } = fieldFeatures.address(raw);
      return [pool.internOrNone(f.address_key), pool.internOrNone(f.address_numbers)];
    });
    columns[AT.address_key]![at] = fields.slab[address]!;
    columns[AT.address_numbers]![at] = fields.slab[address + 1]!;
    this.count += 1;
  }

  /** The column of a feature: its string numbers by citizen (ID numbers for personal_id), -1 where the citizen has none. */
  column(feature: Feature): Int32Array {
    return this.columns[FEATURES.indexOf(feature)]!;
  }

  /** The number a value of a feature has in its column; -1 for a value no citizen has been given. */
  numberOf(feature: Feature, value: string): number {
    return feature === 'personal_id' ? this.idPool.idOf(value) : this.pool.idOf(value);
  }

  /** The value of a feature's number in its column. */
  valueOf(feature: Feature, number: number): string {
    return feature === 'personal_id' ? this.idPool.value(number) : this.pool.value(number);
  }

  id(index: number): string {
    return this.idPool.value(this.ids[index]!);
  }

  /** Which ID numbers are citizen IDs (the ID pool holds personal IDs too); made when first asked, dropped when a citizen is added. */
  private idNumbers: Uint8Array | null = null;

  /** Whether a citizen of the register has this ID. */
  hasId(id: string): boolean {
    const number = this.idPool.idOf(id);
    if (number < 0) return false;
    if (this.idNumbers === null) {
      this.idNumbers = new Uint8Array(this.idPool.size);
      for (let at = 0; at < this.count; at += 1) this.idNumbers[this.ids[at]!] = 1;
    }
    return this.idNumbers[number] === 1;
  }

  /** Whether no citizen ID occurs twice. */
  idsAreUnique(): boolean {
    const seen = new Uint8Array(this.idPool.size);
    for (let at = 0; at < this.count; at += 1) {
      if (seen[this.ids[at]!]) return false;
      seen[this.ids[at]!] = 1;
    }
    return true;
  }

  /** Address tokens by the address's string number: addresses repeat, and a set per candidate was most of a lookup's cost. */
  private readonly addressTokens = new Map<number, ReadonlySet<string>>();

  private tokensOf(address: number): ReadonlySet<string> {
    let tokens = this.addressTokens.get(address);
    if (tokens === undefined) {
      if (this.addressTokens.size >= CACHE_LIMIT) this.addressTokens.clear();
      const key = this.pool.valueOrNull(address);
      tokens = new Set(key ? key.split(' ') : []);
      this.addressTokens.set(address, tokens);
    }
    return tokens;
  }

  get(index: number): MatchRecord {
    const value = (f: number): string | null => this.pool.valueOrNull(this.columns[f]![index]!);
    const personalId = this.columns[AT.personal_id]![index]!;
    const addressKey = value(AT.address_key);
    const precision = PRECISIONS[this.datePrecisions[index]!];
    const dateOfBirth: PartialDate | null = precision ? { value: this.pool.value(this.dateValues[index]!), precision } : null;
    return {
      id: this.id(index),
      dateOfBirth,
      addressTokens: this.tokensOf(this.columns[AT.address_key]![index]!),
      // Written out, so every record shares one shape.
      features: {
        personal_id: personalId < 0 ? null : this.idPool.value(personalId),
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
      },
    };
  }

  private grow(): void {
    const capacity = this.ids.length * 2;
    this.ids = grown(this.ids, capacity);
    this.columns.forEach((column, f) => {
      this.columns[f] = grown(column, capacity);
    });
    this.dateValues = grown(this.dateValues, capacity);
    const precisions = new Uint8Array(capacity);
    precisions.set(this.datePrecisions);
    this.datePrecisions = precisions;
  }
}
