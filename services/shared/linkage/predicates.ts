import { z } from 'zod';
import { datesCompatible } from '../normalise/date.js';
import { oneDigitOff, transposed } from '../normalise/one-typo.js';
import { idFitsHolder, idNearlyFitsHolder, isNoOnesId } from '../normalise/personal-id.js';
import { jaroWinkler, jaroWinklerCeiling } from './jaro-winkler.js';
import { FEATURES, type Feature, type MatchRecord } from './match-record.js';

const feature = z.enum(FEATURES);

/**
 * Conditions on a pair of records, as data: levels of comparisons and filters of blocking rules
 * are built from them and compose with and / or / not. Nothing is a rule in a string.
 */
export type Predicate =
  | { op: 'else' }
  | { op: 'missing'; feature: z.infer<typeof feature>; side?: 'record' | 'candidate' }
  | { op: 'equal'; feature: z.infer<typeof feature> }
  | { op: 'jaro_winkler'; feature: z.infer<typeof feature>; at_least: number }
  | { op: 'levenshtein'; feature: z.infer<typeof feature>; at_most: number }
  | { op: 'tokens_close'; feature: z.infer<typeof feature>; at_least: number; unmatched: number }
  | { op: 'one_digit_off'; feature: z.infer<typeof feature> }
  | { op: 'transposed'; feature: z.infer<typeof feature> }
  | { op: 'numbers_near'; feature: z.infer<typeof feature>; at_most: number }
  | { op: 'ids_fit_holders'; feature: 'personal_id' }
  | { op: 'id_fits_holder'; feature: 'personal_id'; side: 'record' | 'candidate' }
  | { op: 'id_nearly_fits_holder'; feature: 'personal_id'; side: 'record' | 'candidate' }
  | { op: 'id_without_province'; feature: 'personal_id'; sides: 'either' | 'both' | 'record' | 'candidate' }
  | { op: 'address_overlap'; at_least: number; typos?: boolean }
  | { op: 'dob_swapped' }
  | { op: 'dob_compatible' }
  | { op: 'birth_years_apart'; at_least: number }
  | { op: 'born_years_before'; side: 'record' | 'candidate'; at_least: number }
  | { op: 'sex_is'; side: 'record' | 'candidate'; sex: 'MALE' | 'FEMALE' }
  | { op: 'and'; of: Predicate[] }
  | { op: 'or'; of: Predicate[] }
  | { op: 'not'; of: Predicate };

export const predicateSchema: z.ZodType<Predicate> = z.lazy(() =>
  z.discriminatedUnion('op', [
    z.object({ op: z.literal('else') }),
    // Missing on either side, or on the named one (a pair is read as for id_without_province).
    z.object({ op: z.literal('missing'), feature, side: z.enum(['record', 'candidate']).optional() }),
    z.object({ op: z.literal('equal'), feature }),
    z.object({ op: z.literal('jaro_winkler'), feature, at_least: z.number().min(0).max(1) }),
    z.object({ op: z.literal('levenshtein'), feature, at_most: z.number().int().min(0) }),
    z.object({ op: z.literal('tokens_close'), feature, at_least: z.number().min(0).max(1), unmatched: z.number().int().min(0) }),
    z.object({ op: z.literal('one_digit_off'), feature }),
    z.object({ op: z.literal('transposed'), feature }),
    z.object({ op: z.literal('numbers_near'), feature, at_most: z.number().int().min(1) }),
    // Read against each record's own birth year and sex: meaningful only for the personal ID.
    z.object({ op: z.literal('ids_fit_holders'), feature: z.literal('personal_id') }),
    // The named side's ID read against that side's own birth year and sex, as above: whose the ID is when both sides carry the same.
    z.object({ op: z.literal('id_fits_holder'), feature: z.literal('personal_id'), side: z.enum(['record', 'candidate']) }),
    // As id_fits_holder, or one typo (a digit, or two neighbouring digits swapped) in the ID's century, sex and year digits away from fitting: possibly that side's own ID, mistyped.
    z.object({ op: z.literal('id_nearly_fits_holder'), feature: z.literal('personal_id'), side: z.enum(['record', 'candidate']) }),
    // One side's (either), each side's (both), or the named side's 12-digit ID does not begin with a province code: no one's ID (a placeholder, or
    // mistyped in its first digits). A pair is read as (record, candidate); between two register citizens, as (first entry, second entry).
    z.object({ op: z.literal('id_without_province'), feature: z.literal('personal_id'), sides: z.enum(['either', 'both', 'record', 'candidate']) }),
    z.object({ op: z.literal('address_overlap'), at_least: z.number().min(0).max(1), typos: z.boolean().optional() }),
    z.object({ op: z.literal('dob_swapped') }),
    z.object({ op: z.literal('dob_compatible') }),
    z.object({ op: z.literal('birth_years_apart'), at_least: z.number().int().min(1) }),
    // The named side born at least `at_least` years before the other (birth years only): which of the two is the elder, as a parent is.
    z.object({ op: z.literal('born_years_before'), side: z.enum(['record', 'candidate']), at_least: z.number().int().min(1) }),
    // The named side's sex, as the record or the register gives it (false when it gives none).
    z.object({ op: z.literal('sex_is'), side: z.enum(['record', 'candidate']), sex: z.enum(['MALE', 'FEMALE']) }),
    z.object({ op: z.literal('and'), of: z.array(predicateSchema).min(1) }),
    z.object({ op: z.literal('or'), of: z.array(predicateSchema).min(1) }),
    z.object({ op: z.literal('not'), of: predicateSchema }),
  ]),
);

const DIGITS = /^[0-9]+$/;

/**
 * Whether two numbers written with the same count of digits differ by at least 1 and at most
 * `most`, carries counted (…0409 and …0410 are consecutive): the IDs a registry issues one after
 * the other, as it does to twins. A one-digit typo or two swapped digits seldom lands that close.
 */
export function numbersNear(a: string, b: string, most: number): boolean {
  if (a.length !== b.length || a === b || !DIGITS.test(a) || !DIGITS.test(b)) return false;
  // Beyond 15 digits a double no longer holds every integer exactly.
  const difference = a.length <= 15 ? Math.abs(Number(a) - Number(b)) : Number(BigInt(a) > BigInt(b) ? BigInt(a) - BigInt(b) : BigInt(b) - BigInt(a));
  return difference <= most;
}

/**
 * The words the two addresses share, as a share of the shorter one's words, since addresses are
 * often shortened, but never of fewer than half the longer one's: a long list of words would
 * otherwise hold every short address and agree with all of them.
 */
export function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>, typos = false): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  if (small.size === 0) return 0;
  let shared = 0;
  for (const token of small) if (large.has(token) || (typos && typoOf(token, large))) shared += 1;
  return shared / Math.max(small.size, large.size / 2);
}

let lastA: ReadonlySet<string> | null = null;
let lastB: ReadonlySet<string> | null = null;
let lastTypos = false;
let lastOverlap = 0;

/** overlap, remembering the last pair: the address's levels ask for the same pair's overlap in turn. */
function overlapOf(a: ReadonlySet<string>, b: ReadonlySet<string>, typos: boolean): number {
  if (a !== lastA || b !== lastB || typos !== lastTypos) [lastA, lastB, lastTypos, lastOverlap] = [a, b, typos, overlap(a, b, typos)];
  return lastOverlap;
}

/** A word of five letters or more, a to z only; tested without a regular expression, for every word of every candidate's address. */
function isTypoWord(word: string): boolean {
  if (word.length < 5) return false;
  for (let i = 0; i < word.length; i += 1) {
    const code = word.charCodeAt(i);
    if (code < 97 || code > 122) return false;
  }
  return true;
}

/**
 * Whether a word of five letters or more is one edit from a word of `words` of five letters or
 * more: a street or ward name mistyped. Numbers must agree exactly (house number 12 is not 13),
 * and shorter words, Vietnamese syllables above all (Minh, Linh), are too alike to tell a typo
 * from another word.
 */
function typoOf(token: string, words: ReadonlySet<string>): boolean {
  if (!isTypoWord(token)) return false;
  for (const word of words) if (Math.abs(word.length - token.length) <= 1 && isTypoWord(word) && withinEdits(token, word, 1)) return true;
  return false;
}

/**
 * Whether every word of the name with fewer words has a word of its own in the other, in any
 * order, equal or at least `least` alike (Jaro–Winkler), with at most `unmatched` words of the
 * longer name left over: words swapped between the family and given name fields, each with a
 * typo, or a name written given name first with a typo. A name of one word is not enough.
 */
export function tokensClose(x: string, y: string, least: number, unmatched: number): boolean {
  const a = x.split(' ');
  const b = y.split(' ');
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length < 2 || long.length - short.length > unmatched) return false;
  const taken = long.map(() => false);
  const left: string[] = [];
  for (const token of short) {
    const at = long.findIndex((other, i) => !taken[i] && other === token);
    if (at >= 0) taken[at] = true;
    else left.push(token);
  }
  for (const token of left) {
    let best = -1;
    let bestSimilarity = least;
    long.forEach((other, i) => {
      if (taken[i] || jaroWinklerCeiling(token, other) < bestSimilarity) return;
      const similarity = jaroWinklerOf(token, other);
      if (similarity >= bestSimilarity) [best, bestSimilarity] = [i, similarity];
    });
    if (best < 0) return false;
    taken[best] = true;
  }
  return true;
}

/**
 * Whether the edit distance (insertions, deletions and substitutions of UTF-16 units, as
 * fast-levenshtein counts them) is at most `most`. The common beginning and end are left out
 * first (they do not change the distance: names that differ share most of their words), then only
 * the band of the table within `most` of its diagonal is filled, and it stops at the first row
 * whose every cell exceeds `most`: most pairs a linker compares are far apart, and the full table
 * cost most of their comparison.
 */
export function withinEdits(x: string, y: string, most: number): boolean {
  if (x === y) return true;
  let from = 0;
  let endX = x.length;
  let endY = y.length;
  while (from < endX && from < endY && x.charCodeAt(from) === y.charCodeAt(from)) from += 1;
  while (endX > from && endY > from && x.charCodeAt(endX - 1) === y.charCodeAt(endY - 1)) {
    endX -= 1;
    endY -= 1;
  }
  return bandWithin(x, y, from, endX - from, endY - from, most);
}

let rows = [new Int32Array(64), new Int32Array(64)];

/** The banded table for x[at, at + n) against y[at, at + m): whether their distance is at most `most`. */
function bandWithin(x: string, y: string, at: number, n: number, m: number, most: number): boolean {
  if (Math.abs(n - m) > most) return false;
  if (n === 0 || m === 0) return Math.max(n, m) <= most;
  if (rows[0]!.length <= m + 1) rows = [new Int32Array(m * 2 + 2), new Int32Array(m * 2 + 2)];
  let [previous, current] = rows as [Int32Array, Int32Array];
  const beyond = most + 1;
  for (let j = 0; j <= m; j += 1) previous[j] = j <= most ? j : beyond;
  for (let i = 1; i <= n; i += 1) {
    const from = Math.max(1, i - most);
    const to = Math.min(m, i + most);
    current[from - 1] = from === 1 && i <= most ? i : beyond;
    let rowLeast = current[from - 1]!;
    const char = x.charCodeAt(at + i - 1);
    for (let j = from; j <= to; j += 1) {
      let value = previous[j - 1]! + (char === y.charCodeAt(at + j - 1) ? 0 : 1);
      if (previous[j]! + 1 < value) value = previous[j]! + 1;
      if (current[j - 1]! + 1 < value) value = current[j - 1]! + 1;
      if (value > beyond) value = beyond;
      current[j] = value;
      if (value < rowLeast) rowLeast = value;
    }
    if (to < m) current[to + 1] = beyond;
    if (rowLeast > most) return false;
    [previous, current] = [current, previous];
  }
  return previous[m]! <= most;
}

const JARO_WINKLER_MEMO = 4;
const memoX: string[] = [];
const memoY: string[] = [];
const memoValue: number[] = [];
let memoNext = 0;

/**
 * Jaro–Winkler similarity, remembering the last few pairs: the levels of one comparison ask for
 * the same pair's similarity several times (the given name in three of the name's levels).
 */
function jaroWinklerOf(x: string, y: string): number {
  return memoOf(x, y) ?? remembered(x, y, jaroWinkler(x, y));
}

/** The pair's similarity, remembered in place of the oldest pair. */
function remembered(x: string, y: string, value: number): number {
  memoX[memoNext] = x;
  memoY[memoNext] = y;
  memoValue[memoNext] = value;
  memoNext = (memoNext + 1) % JARO_WINKLER_MEMO;
  return value;
}

/** The remembered similarity of the pair, or undefined. */
function memoOf(x: string, y: string): number | undefined {
  for (let k = 0; k < memoX.length; k += 1) if (memoX[k] === x && memoY[k] === y) return memoValue[k]!;
  return undefined;
}

/** Whether the pair's similarity reaches `least`: remembered, else ruled out by its ceiling, else searched (and remembered). */
function jaroWinklerReaches(x: string, y: string, least: number): boolean {
  const known = memoOf(x, y);
  if (known !== undefined) return known >= least;
  return jaroWinklerCeiling(x, y) >= least && remembered(x, y, jaroWinkler(x, y)) >= least;
}

export type CompiledPredicate = (a: MatchRecord, b: MatchRecord) => boolean;

/** A side's ID read against that side's own birth year and sex. */
function idTestOnOwnSide(feature: Feature, test: (id: string, birthYear: string | null, sex: string | null) => boolean): (x: MatchRecord) => boolean {
  return (x) => {
    const id = x.features[feature];
    return id !== null && test(id, x.features.dob_year, x.features.sex);
  };
}

/** A test of one record as a predicate on the pair: the record's side, or the candidate's. */
function onSide(side: 'record' | 'candidate', test: (x: MatchRecord) => boolean): CompiledPredicate {
  return side === 'record' ? (a) => test(a) : (_a, b) => test(b);
}

/**
 * The predicate as a function, built once per settings: the linker evaluates levels for every
 * candidate of every event, so the tree is not walked again each time.
 */
export function compilePredicate(predicate: Predicate): CompiledPredicate {
  switch (predicate.op) {
    case 'else':
      return () => true;
    case 'missing': {
      const f = predicate.feature;
      if (predicate.side === 'record') return (a) => a.features[f] === null;
      if (predicate.side === 'candidate') return (_a, b) => b.features[f] === null;
      return (a, b) => a.features[f] === null || b.features[f] === null;
    }
    case 'and': {
      const parts = predicate.of.map(compilePredicate);
      return (a, b) => {
        for (let i = 0; i < parts.length; i += 1) if (!parts[i]!(a, b)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = predicate.of.map(compilePredicate);
      return (a, b) => {
        for (let i = 0; i < parts.length; i += 1) if (parts[i]!(a, b)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compilePredicate(predicate.of);
      return (a, b) => !inner(a, b);
    }
    case 'dob_swapped':
      return (a, b) => a.features.dob_swapped !== null && a.features.dob_swapped === b.features.dob;
    case 'dob_compatible':
      return (a, b) => a.dateOfBirth !== null && b.dateOfBirth !== null && datesCompatible(a.dateOfBirth, b.dateOfBirth);
    case 'birth_years_apart': {
      // Years only: a parent's record and a child's may each have a year-only date of birth.
      const least = predicate.at_least;
      return (a, b) => {
        const x = a.features.dob_year;
        const y = b.features.dob_year;
        return x !== null && y !== null && Math.abs(Number(x) - Number(y)) >= least;
      };
    }
    case 'born_years_before': {
      const least = predicate.at_least;
      const before = (elder: MatchRecord, younger: MatchRecord) => {
        const x = elder.features.dob_year;
        const y = younger.features.dob_year;
        return x !== null && y !== null && Number(y) - Number(x) >= least;
      };
      return predicate.side === 'record' ? (a, b) => before(a, b) : (a, b) => before(b, a);
    }
    case 'sex_is': {
      const sex = predicate.sex;
      return onSide(predicate.side, (x) => x.features.sex === sex);
    }
    case 'ids_fit_holders': {
      // Each side's ID against its own record's date and sex, never against the other side's.
      const f = predicate.feature;
      return (a, b) => {
        const x = a.features[f];
        const y = b.features[f];
        return x !== null && y !== null && idFitsHolder(x, a.features.dob_year, a.features.sex) && idFitsHolder(y, b.features.dob_year, b.features.sex);
      };
    }
    case 'id_fits_holder':
      return onSide(predicate.side, idTestOnOwnSide(predicate.feature, idFitsHolder));
    case 'id_nearly_fits_holder':
      return onSide(predicate.side, idTestOnOwnSide(predicate.feature, idNearlyFitsHolder));
    case 'id_without_province': {
      const f = predicate.feature;
      const unheld = (id: string | null) => id !== null && isNoOnesId(id);
      if (predicate.sides === 'both') return (a, b) => unheld(a.features[f]) && unheld(b.features[f]);
      if (predicate.sides === 'record') return (a) => unheld(a.features[f]);
      if (predicate.sides === 'candidate') return (_a, b) => unheld(b.features[f]);
      return (a, b) => unheld(a.features[f]) || unheld(b.features[f]);
    }
    case 'address_overlap': {
      const { at_least: least, typos = false } = predicate;
      return (a, b) => overlapOf(a.addressTokens, b.addressTokens, typos) >= least;
    }
    case 'equal': {
      // The commonest test, without the call to a text test: equal values are both present when one is.
      const f = predicate.feature;
      return (a, b) => {
        const x = a.features[f];
        return x !== null && x === b.features[f];
      };
    }
    default: {
      const f = predicate.feature;
      const test = textTest(predicate);
      return (a, b) => {
        const x = a.features[f];
        const y = b.features[f];
        return x !== null && y !== null && test(x, y);
      };
    }
  }
}

type TextPredicate = Extract<Predicate, { op: 'equal' | 'jaro_winkler' | 'levenshtein' | 'tokens_close' | 'one_digit_off' | 'transposed' | 'numbers_near' }>;

function textTest(predicate: TextPredicate): (x: string, y: string) => boolean {
  switch (predicate.op) {
    case 'equal':
      return (x, y) => x === y;
    case 'jaro_winkler': {
      const least = predicate.at_least;
      return (x, y) => x === y || jaroWinklerReaches(x, y, least);
    }
    case 'levenshtein': {
      const most = predicate.at_most;
      return (x, y) => withinEdits(x, y, most);
    }
    case 'tokens_close': {
      const { at_least: least, unmatched } = predicate;
      return (x, y) => tokensClose(x, y, least, unmatched);
    }
    case 'one_digit_off':
      return oneDigitOff;
    case 'transposed':
      return transposed;
    case 'numbers_near': {
      const most = predicate.at_most;
      return (x, y) => numbersNear(x, y, most);
    }
  }
}

/**
 * A rough relative cost of testing the predicate on a pair, for putting cheap tests first: a
 * comparison of values or a presence test 1, a test of digits or dates 2, a string distance or a
 * comparison of address words 4; and / or / not the sum of their parts.
 */
export function predicateCost(predicate: Predicate): number {
  switch (predicate.op) {
    case 'else':
    case 'missing':
    case 'equal':
    case 'sex_is':
      return 1;
    case 'one_digit_off':
    case 'transposed':
    case 'numbers_near':
    case 'ids_fit_holders':
    case 'id_fits_holder':
    case 'id_nearly_fits_holder':
    case 'id_without_province':
    case 'dob_swapped':
    case 'dob_compatible':
    case 'birth_years_apart':
    case 'born_years_before':
      return 2;
    case 'jaro_winkler':
    case 'levenshtein':
    case 'tokens_close':
    case 'address_overlap':
      return 4;
    case 'and':
    case 'or':
      return predicate.of.reduce((sum, part) => sum + predicateCost(part), 0);
    case 'not':
      return predicateCost(predicate.of);
  }
}

const compiled = new WeakMap<Predicate, CompiledPredicate>();

/** Whether the predicate holds for the pair. Text predicates on a missing feature are false. */
export function holds(predicate: Predicate, a: MatchRecord, b: MatchRecord): boolean {
  let test = compiled.get(predicate);
  if (!test) {
    test = compilePredicate(predicate);
    compiled.set(predicate, test);
  }
  return test(a, b);
}
