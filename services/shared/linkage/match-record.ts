import { cached } from '../csv-rows.js';
import { communeOfPlace } from '../normalise/commune.js';
import { parsePartialDate } from '../normalise/date.js';
import { householdWords } from '../normalise/household-address.js';
import { foldedAddressProblem, foldedAddressWords } from '../normalise/plausibility.js';
import { provinceOfPlace } from '../normalise/provinces-2025.js';
import { parseSex } from '../normalise/sex.js';
import { cleanText, foldToAscii } from '../normalise/text.js';
import { looksTyped, stripTypingResidue } from '../normalise/typing-residue.js';
import type { NormalisedPerson, PartialDate, Sex } from '../schemas/records.js';
import { familyGroup, isFamilyName } from './family-names.js';

/** The features of a record that blocking rules and comparisons refer to by name. */
export const FEATURES = [
  'personal_id',
  'name_key',
  'name_tokens_sorted',
  'family_key',
  'family_group',
  'middle_key',
  'given_key',
  'dob',
  'dob_year',
  'dob_year_month',
  'dob_swapped',
  'sex',
  'address_key',
  'address_numbers',
  'area_province',
  'area_commune',
] as const;

export type Feature = (typeof FEATURES)[number];

/**
 * One side of a comparison: the raw fields it came from, its parsed date, and its features. Read
 * only: a reader (MatchRecordReader) shares one date and one set of address tokens between every
 * record with that value, across a linker's batches.
 */
export interface MatchRecord {
  id: string;
  dateOfBirth: Readonly<PartialDate> | null;
  features: Record<Feature, string | null>;
  addressTokens: ReadonlySet<string>;
}

export interface RawPerson {
  personal_id?: string | null;
  full_name?: string | null;
  date_of_birth?: string | null;
  sex?: string | null;
  address?: string | null;
  /**
   * Where the record was made: the commune or province of the sector's office ("Trạm y tế xã An
   * Phú, Nghệ An", "Nghệ An"). Read only for its province, and only when the record has no
   * address of its own: people are mostly served where they live.
   */
  office_area?: string | null;
}

function empty(value: string | null | undefined): value is null | undefined {
  return value === null || value === undefined || value.trim() === '';
}

/**
 * Name tokens in family–middle–given order. A name written given-name-first (as foreign
 * systems do) is turned round when only its last word is a known family name.
 */
function orderedNameTokens(foldedName: string): string[] {
  const tokens = repairTyping(
    foldedName
      .replace(/[^a-z0-9\s'-]/g, ' ')
      .split(/\s+/)
      .map((token) => (/^[0-9]+$/.test(token) ? '' : token))
      .filter(Boolean),
  ).map((token) => token.replace(/[0-9]/g, ''));
  const first = tokens[0];
  const last = tokens[tokens.length - 1];
  if (tokens.length >= 2 && first && last && !isFamilyName(first) && isFamilyName(last)) {
    return [last, ...tokens.slice(0, -1)];
  }
  return tokens;
}

/**
 * Telex or VNI keys left in the name are removed only when that turns the name into a
 * Vietnamese one (a known family name first or last): "Howard Moore" stays as it is.
 */
function repairTyping(tokens: string[]): string[] {
  if (!tokens.some(looksTyped)) return tokens;
  const repaired = tokens.map((token) => (looksTyped(token) ? stripTypingResidue(token) : token));
  const first = repaired[0];
  const last = repaired[repaired.length - 1];
  return (first && isFamilyName(first)) || (last && isFamilyName(last)) ? repaired : tokens;
}

function swappedDay(date: PartialDate | null): string | null {
  if (!date || date.precision !== 'DAY') return null;
  const [year, month, day] = date.value.split('-');
  if (!year || !month || !day || month === day || Number(day) > 12) return null;
  return `${year}-${day}-${month}`;
}

/**
 * Digits of an identifier as typed (spaces, dots, dashes dropped); other text is not an ID. A
 * 9-digit number is an old ID card (CMND), not a personal ID: it is never compared with one.
 */
function identifierDigits(raw: string | null | undefined): string | null {
  if (empty(raw)) return null;
  const digits = raw.trim().replace(/[\s.-]/g, '');
  return /^\d{5,}$/.test(digits) && digits.length !== 9 ? digits : null;
}

interface FoldedPerson {
  personalId: string | null | undefined;
  foldedName: string | null;
  dateOfBirth: string | null | undefined;
  sex: Sex | null;
  foldedAddress: string | null;
  /** The same address as written (clean, not folded): its commune is read from its words' tones. */
  writtenAddress: string | null;
  /** Where the office that made the record is, already read (officeArea). */
  office: OfficeArea | null;
}

/**
 * Where the office that made a record is, as a record without an address is compared by (the
 * `area` comparison): its 2025 province, and the key of its commune when its area names one.
 */
export interface OfficeArea {
  province: string | null;
  commune: string | null;
}

/** The features that come from the name alone. */
export type NameFeatures = Pick<Record<Feature, string | null>, 'name_key' | 'name_tokens_sorted' | 'family_key' | 'family_group' | 'middle_key' | 'given_key'>;

/** The parsed date and the features that come from it alone. */
export interface DateFeatures {
  dateOfBirth: PartialDate | null;
  features: Pick<Record<Feature, string | null>, 'dob' | 'dob_year' | 'dob_year_month' | 'dob_swapped'>;
}

/** The address's tokens and the features that come from it alone (its province is the person's area). */
export interface AddressFeatures {
  /** A plausible address was given: the record's area is its, never the office's (even an address that names only a province). */
  given: boolean;
  tokens: ReadonlySet<string>;
  features: Pick<Record<Feature, string | null>, 'address_key' | 'address_numbers' | 'area_province' | 'area_commune'>;
}

function nameFeatures(foldedName: string | null): NameFeatures {
  const tokens = foldedName ? orderedNameTokens(foldedName) : [];
  const family = tokens[0] ?? null;
  const given = tokens.length > 1 ? (tokens[tokens.length - 1] ?? null) : null;
  const middle = tokens.length > 2 ? tokens.slice(1, -1).join(' ') : null;
  return {
    name_key: tokens.length > 0 ? tokens.join(' ') : null,
    name_tokens_sorted: tokens.length > 0 ? [...tokens].sort().join(' ') : null,
    family_key: family,
    family_group: family ? familyGroup(family) : null,
    middle_key: middle,
    given_key: given,
  };
}

function dateFeatures(raw: string | null | undefined): DateFeatures {
  const parsed = empty(raw) ? null : parsePartialDate(raw);
  const dateOfBirth = parsed?.ok ? parsed.date : null;
  return {
    dateOfBirth,
    features: {
      dob: dateOfBirth?.precision === 'DAY' ? dateOfBirth.value : null,
      dob_year: dateOfBirth ? dateOfBirth.value.slice(0, 4) : null,
      dob_year_month: dateOfBirth && dateOfBirth.precision !== 'YEAR' ? dateOfBirth.value.slice(0, 7) : null,
      dob_swapped: swappedDay(dateOfBirth),
    },
  };
}

/**
 * An implausible address (too long, repeated junk, a placeholder: normalise/plausibility.ts) is no
 * evidence: it counts as missing. A plausible one is compared and blocked on as one household's
 * (householdWords: no số, đường or xã, the province by its 2025 name), so two writings of one
 * address agree; its area is read from the address as written. An address that names only a
 * province gives an area and no household.
 */
function addressFeatures(foldedAddress: string | null, written: string | null = foldedAddress): AddressFeatures {
  const words = foldedAddress ? foldedAddressWords(foldedAddress) : [];
  const plausible = foldedAddress !== null && words.length > 0 && foldedAddressProblem(foldedAddress, words) === null;
  const house = plausible ? householdWords(words, written === null ? null : writtenWords(written)) : [];
  const numbers = house.filter((token) => /^\d+$/.test(token));
  const province = plausible ? provinceOf(foldedAddress) : null;
  return {
    given: plausible,
    tokens: new Set(house),
    features: {
      address_key: house.length > 0 ? house.join(' ') : null,
      address_numbers: numbers.length > 0 ? numbers.join(' ') : null,
      area_province: province,
      area_commune: plausible ? communeKey(written, province, foldedAddress) : null,
    },
  };
}

/** An address's words as written, lower case, split as foldedAddressWords splits the folded address. */
function writtenWords(written: string): string[] {
  return written
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/**
 * The commune a place names with its province ("xa an phu, Nghệ An"), or null: communes of one
 * name lie in several provinces. Folded, so a commune written with or without its diacritics is
 * one key. `folded` is the place folded (foldToAscii) when the caller has it already.
 */
function communeKey(place: string | null, province: string | null, folded?: string): string | null {
  return keyOfCommune(place === null || province === null ? null : communeOfPlace(place, folded), province);
}

/** A commune as written with its province, as area_commune holds it; null without either. */
function keyOfCommune(commune: string | null | undefined, province: string | null): string | null {
  return commune && province ? `${foldToAscii(commune)}, ${province}` : null;
}

/**
 * The province (as since the 2025 merger) an address or an office's area ends with; a single
 * part is read as a province name on its own. Null when none can be read.
 */
function provinceOf(place: string | null): string | null {
  const province = place === null ? null : provinceOfPlace(place);
  return province && province !== 'unknown' ? province.current : null;
}

/** Where the office that made a record is (its area as the source wrote it), for a record without an address of its own. */
function officeArea(raw: string | null | undefined): OfficeArea | null {
  if (empty(raw)) return null;
  const area = cleanText(raw);
  const province = provinceOf(area);
  return { province, commune: communeKey(area, province) };
}

/** Where the office is, from a normalised person: ingest has read its province and its commune as written. */
function normalisedOffice(person: Pick<NormalisedPerson, 'office_province' | 'office_commune'>): OfficeArea | null {
  const province = person.office_province ?? null;
  if (province === null) return null;
  return { province, commune: keyOfCommune(person.office_commune, province) };
}

function assemble(
  id: string,
  personalId: string | null,
  name: NameFeatures,
  date: DateFeatures,
  sex: Sex | null,
  address: AddressFeatures,
  office: OfficeArea | null = null,
): MatchRecord {
  // A record's own address says where its person lives; the office only stands in for none.
  const byOffice = !address.given;
  const at = address.features;
  // Written out, not spread: the linker assembles one for every candidate of every event. With
  // `record`'s explicit parameters and readPerson's date read without a closure, a candidate's
  // readPerson went from 340 to 120 ns a call. In FEATURES' order (a unit test checks it); a
  // feature left out does not compile.
  return {
    id,
    dateOfBirth: date.dateOfBirth,
    addressTokens: address.tokens,
    features: {
      personal_id: personalId,
      name_key: name.name_key,
      name_tokens_sorted: name.name_tokens_sorted,
      family_key: name.family_key,
      family_group: name.family_group,
      middle_key: name.middle_key,
      given_key: name.given_key,
      dob: date.features.dob,
      dob_year: date.features.dob_year,
      dob_year_month: date.features.dob_year_month,
      dob_swapped: date.features.dob_swapped,
      sex,
      address_key: at.address_key,
      address_numbers: at.address_numbers,
      area_province: at.area_province ?? (byOffice ? (office?.province ?? null) : null),
      area_commune: at.area_commune ?? (byOffice ? (office?.commune ?? null) : null),
    },
  };
}

function build(id: string, person: FoldedPerson): MatchRecord {
  return assemble(
    id,
    identifierDigits(person.personalId),
    nameFeatures(person.foldedName),
    dateFeatures(person.dateOfBirth),
    person.sex,
    addressFeatures(person.foldedAddress, person.writtenAddress),
    person.office,
  );
}

/**
 * Features for matching, computed the same way for a register citizen and for a sectoral
 * record, whatever the source wrote: names folded to ASCII and ordered, dates with precision,
 * swapped day-month kept as a key, address as tokens.
 */
export function toMatchRecord(id: string, person: RawPerson): MatchRecord {
  return build(id, {
    personalId: person.personal_id,
    foldedName: foldedText(person.full_name),
    dateOfBirth: person.date_of_birth,
    sex: sexOf(person.sex),
    foldedAddress: foldedText(person.address),
    writtenAddress: writtenText(person.address),
    office: officeArea(person.office_area),
  });
}

function writtenText(raw: string | null | undefined): string | null {
  return empty(raw) ? null : cleanText(raw);
}

function foldedText(raw: string | null | undefined): string | null {
  return empty(raw) ? null : foldToAscii(cleanText(raw));
}

function sexOf(raw: string | null | undefined): Sex | null {
  return empty(raw) ? null : (parseSex(raw) ?? null);
}

/**
 * The features of each raw field of a person on its own (each depends on its field alone), for
 * readers that keep their own caches by field: the compact register numbers them once per
 * distinct value. Together they give what toMatchRecord gives.
 */
export const fieldFeatures = {
  personalId: identifierDigits,
  name: (raw: string | null | undefined): NameFeatures => nameFeatures(foldedText(raw)),
  date: dateFeatures,
  sex: sexOf,
  address: (raw: string | null | undefined): AddressFeatures => addressFeatures(foldedText(raw), writtenText(raw)),
};

/**
 * The features of each field of a normalised person on its own, and the match record they make:
 * for a bulk reader that works out each distinct name, date and address once, with everything
 * else it needs of that value (`load-population` keeps one cache per field). Together they give
 * what personToMatchRecord gives.
 */
export const normalisedFieldFeatures = {
  name: (nameKey: string | null): NameFeatures => nameFeatures(nameKey || null),
  date: (dateOfBirth: PartialDate | null): DateFeatures => dateFeatures(dateOfBirth?.value ?? null),
  address: (cleanAddress: string | null): AddressFeatures => addressFeatures(cleanAddress ? foldToAscii(cleanAddress) : null, cleanAddress || null),
  /** `assemble`'s arguments, the personal ID as given and the office as normalised (`normalisedOffice` of the observation's person). */
  record: ((id, personalId, name, date, sex, address, office = null) =>
    assemble(id, identifierDigits(personalId), name, date, sex, address, office)) satisfies typeof assemble,
};

/**
 * toMatchRecord for a whole file, or for a linker's candidates batch after batch: each field's
 * features depend on that field alone, so names, dates and addresses seen before are not folded
 * and parsed again (a register repeats them often, a household and namesakes come back as
 * candidates together), and records read by one reader share those strings and objects. Each
 * cache holds at most 200,000 values and starts again when full (csv-rows.ts, cached). Gives the
 * same records as toMatchRecord.
 */
export class MatchRecordReader {
  private readonly names = new Map<string, NameFeatures>();
  private readonly dates = new Map<string, DateFeatures>();
  private readonly addresses = new Map<string, AddressFeatures>();
  private readonly foldedNames = new Map<string, NameFeatures>();
  private readonly cleanAddresses = new Map<string, AddressFeatures>();
  private readonly offices = new Map<string, OfficeArea | null>();

  /**
   * personToMatchRecord, with the same caches. `storedAddress`: the address's features as the
   * register stored them (stored-address-features.ts), used as they are instead of the cache.
   */
  readPerson(id: string, person: MatchedFields, storedAddress: AddressFeatures | null = null): MatchRecord {
    const { name, date, address, record } = normalisedFieldFeatures;
    return record(
      id,
      person.personal_id,
      person.name_key ? cached(this.foldedNames, person.name_key, name) : name(null),
      person.date_of_birth ? cached(this.dates, person.date_of_birth.value, dateFeatures) : date(null),
      person.sex,
      storedAddress ?? (person.address ? cached(this.cleanAddresses, person.address, address) : address(null)),
      normalisedOffice(person),
    );
  }

  read(id: string, person: RawPerson): MatchRecord {
    const name = empty(person.full_name) ? nameFeatures(null) : cached(this.names, person.full_name, (raw) => nameFeatures(foldedText(raw)));
    const date = empty(person.date_of_birth) ? dateFeatures(null) : cached(this.dates, person.date_of_birth, dateFeatures);
    const address = empty(person.address)
      ? addressFeatures(null)
      : cached(this.addresses, person.address, (raw) => addressFeatures(foldedText(raw), writtenText(raw)));
    const office = empty(person.office_area) ? null : cached(this.offices, person.office_area, officeArea);
    return assemble(id, identifierDigits(person.personal_id), name, date, sexOf(person.sex), address, office);
  }
}

/** The fields of a normalised person that its match record is made from. */
export type MatchedFields = Pick<NormalisedPerson, 'personal_id' | 'name_key' | 'date_of_birth' | 'sex' | 'address' | 'office_province' | 'office_commune'>;

/**
 * A normalised observation or citizen as a match record (the pipeline's path into the engine).
 * Its text is clean already and its folded name is stored, so only what is left is computed:
 * the linker does this for every candidate citizen of every event. `storedAddress`: as readPerson's.
 */
export function personToMatchRecord(id: string, person: MatchedFields, storedAddress: AddressFeatures | null = null): MatchRecord {
  if (storedAddress) {
    const { name, date, record } = normalisedFieldFeatures;
    return record(id, person.personal_id, name(person.name_key || null), date(person.date_of_birth), person.sex, storedAddress, normalisedOffice(person));
  }
  return build(id, {
    personalId: person.personal_id,
    foldedName: person.name_key || null,
    dateOfBirth: person.date_of_birth ? person.date_of_birth.value : null,
    sex: person.sex,
    foldedAddress: person.address ? foldToAscii(person.address) : null,
    writtenAddress: person.address || null,
    // Already read by ingest from the office's area: the 2025 province and the commune as written.
    office: normalisedOffice(person),
  });
}
