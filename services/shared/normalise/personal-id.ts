import type { RuleReport } from '../quality/rule-report.js';
import type { Sex } from '../schemas/records.js';
import { oneDigitOff, transposed } from './one-typo.js';
import { PROVINCES_2008 } from './provinces.js';

export type IdParse = { kind: 'personal'; value: string } | { kind: 'legacy'; value: string } | { kind: 'invalid'; reason: string };

/**
 * A personal ID as typed: spaces, dots and dashes between digit groups are dropped; 12 digits
 * are a personal ID, 9 an old ID card (CMND) that is never compared with a personal ID.
 */
export function parsePersonalId(raw: string): IdParse {
  const digits = raw.trim().replace(/[\s.-]/g, '');
  if (/^\d{12}$/.test(digits)) return { kind: 'personal', value: digits };
  if (/^\d{9}$/.test(digits)) return { kind: 'legacy', value: digits };
  return { kind: 'invalid', reason: 'a personal ID has 12 digits (or 9 for an old ID card)' };
}

/**
 * The province codes (PROVINCES_2008's keys) as a table by their number: the linker asks of every
 * candidate pair's IDs, and a three-digit slice looked up as an object key cost a string each time.
 */
const PROVINCE_CODES = (() => {
  const codes = new Uint8Array(1000);
  for (const code of Object.keys(PROVINCES_2008)) {
    if (!/^\d{3}$/.test(code)) throw new Error(`province code ${code} is not three digits`);
    codes[Number(code)] = 1;
  }
  return codes;
})();

/**
 * Whether a 12-digit personal ID begins with a province code, as every issued one does (the code
 * of the province where the birth was registered): one that does not (000000000000, 123456789012)
 * is held by nobody, a placeholder typed to fill the field or an ID mistyped in its first digits.
 */
export function hasProvinceCode(personalId: string): boolean {
  if (personalId.length < 3) return false;
  let code = 0;
  for (let i = 0; i < 3; i += 1) {
    const digit = personalId.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    code = code * 10 + digit;
  }
  return PROVINCE_CODES[code] === 1;
}

/** Whether a 12-digit personal ID is no one's: it does not begin with a province code (a placeholder, or mistyped in its first digits). An ID of another length is not read. */
export function isNoOnesId(personalId: string): boolean {
  return personalId.length === 12 && !hasProvinceCode(personalId);
}

/** The personal ID when it can be someone's (it begins with a province code), else null: what identifies a person, keys their events and names a new citizen. */
export function heldPersonalId(personalId: string | null | undefined): string | null {
  return personalId && hasProvinceCode(personalId) ? personalId : null;
}

/** What the 4th digit says: century and sex (0/1 = male/female born 1900s, 2/3 = 2000s, ...). */
export function decodeCenturySex(personalId: string): { century: number; sex: Sex } {
  const digit = Number(personalId[3]);
  return { century: 1900 + Math.floor(digit / 2) * 100, sex: digit % 2 === 0 ? 'MALE' : 'FEMALE' };
}

export function birthYearOfId(personalId: string): number {
  return decodeCenturySex(personalId).century + Number(personalId.slice(4, 6));
}

/** The digits a person's ID starts with, from province of birth registration, sex and birth year. */
export function idPrefix(provinceCode: string, sex: Sex, birthYear: number): string {
  const centuryIndex = Math.floor((birthYear - 1900) / 100);
  const digit = centuryIndex * 2 + (sex === 'FEMALE' ? 1 : 0);
  return `${provinceCode}${digit}${String(birthYear % 100).padStart(2, '0')}`;
}

/**
 * Whether a personal ID's century-and-sex digit and year digits give the birth year and the sex of
 * the record that carries it: its holder's own ID, not a parent's or a child's (the linkage's
 * `ids_fit_holders`; checkPersonalId flags the same disagreements one by one). A record without a
 * birth year cannot tell; one without a sex is judged on the year alone.
 */
export function idFitsHolder(id: string, birthYear: string | null, sex: string | null): boolean {
  if (birthYear === null || !/^\d{12}$/.test(id)) return false;
  return String(birthYearOfId(id)) === birthYear && (sex === null || decodeCenturySex(id).sex === sex);
}

/**
 * Whether a personal ID's century-and-sex and year digits (the 4th to 6th) are those of the given
 * birth year and sex, or one digit or two neighbouring digits away from them: the holder's own
 * ID, possibly mistyped there. A parent's ID is mostly two or three digits away (another year,
 * often the century or the sex), a typo one; but a mother born in the same century as her
 * daughter, in a year ending in the same digit (1965, 1995), is one digit away too, and the two
 * cannot be told apart. False without a birth year (no century known), for a year the ID cannot
 * hold (before 1900, after 2399), or for an ID not of 12 digits; a record without a sex is judged
 * against either sex's digit.
 */
export function idNearlyFitsHolder(id: string, birthYear: string | null, sex: string | null): boolean {
  const year = Number(birthYear);
  if (birthYear === null || !Number.isInteger(year) || year < 1900 || year > 2399 || !/^\d{12}$/.test(id)) return false;
  const sexes: Sex[] = sex === 'MALE' || sex === 'FEMALE' ? [sex] : ['MALE', 'FEMALE'];
  const digits = id.slice(3, 6);
  return sexes.some((s) => {
    const own = idPrefix('000', s, year).slice(3);
    return digits === own || oneDigitOff(digits, own) || transposed(digits, own);
  });
}

/**
 * Rules on an ID's structure against the record, flagged as findings. A disagreement is evidence,
 * not a reason to reject: numbers are re-issued after a legal change of sex, and records are mistyped.
 */
export function checkPersonalId(personalId: string, sex: Sex | null, birthYear: number | null, field: string, report: RuleReport): void {
  if (!hasProvinceCode(personalId)) report.flag('PID_PROVINCE_UNKNOWN', field);
  if (sex !== null && decodeCenturySex(personalId).sex !== sex) report.flag('PID_SEX_MISMATCH', field);
  if (birthYear !== null && birthYearOfId(personalId) !== birthYear) report.flag('PID_BIRTH_YEAR_MISMATCH', field);
}
