import jaroWinkler from 'jaro-winkler';
import levenshtein from 'fast-levenshtein';
import { z } from 'zod';
import { datesCompatible } from '../normalise/date.js';
import { FEATURES, type MatchRecord } from './match-record.js';

const feature = z.enum(FEATURES);

/**
 * Conditions on a pair of records, as data: levels of comparisons and filters of blocking rules
 * are built from them and compose with and / or / not. Nothing is a rule in a string.
 */
export type Predicate =
  | { op: 'else' }
  | { op: 'missing'; feature: z.infer<typeof feature> }
  | { op: 'equal'; feature: z.infer<typeof feature> }
  | { op: 'jaro_winkler'; feature: z.infer<typeof feature>; at_least: number }
  | { op: 'levenshtein'; feature: z.infer<typeof feature>; at_most: number }
  | { op: 'one_digit_off'; feature: z.infer<typeof feature> }
  | { op: 'transposed'; feature: z.infer<typeof feature> }
  | { op: 'address_overlap'; at_least: number }
  | { op: 'dob_swapped' }
  | { op: 'dob_compatible' }
  | { op: 'and'; of: Predicate[] }
  | { op: 'or'; of: Predicate[] }
  | { op: 'not'; of: Predicate };

export const predicateSchema: z.ZodType<Predicate> = z.lazy(() =>
  z.discriminatedUnion('op', [
    z.object({ op: z.literal('else') }),
    z.object({ op: z.literal('missing'), feature }),
    z.object({ op: z.literal('equal'), feature }),
    z.object({ op: z.literal('jaro_winkler'), feature, at_least: z.number().min(0).max(1) }),
    z.object({ op: z.literal('levenshtein'), feature, at_most: z.number().int().min(0) }),
    z.object({ op: z.literal('one_digit_off'), feature }),
    z.object({ op: z.literal('transposed'), feature }),
    z.object({ op: z.literal('address_overlap'), at_least: z.number().min(0).max(1) }),
    z.object({ op: z.literal('dob_swapped') }),
    z.object({ op: z.literal('dob_compatible') }),
    z.object({ op: z.literal('and'), of: z.array(predicateSchema).min(1) }),
    z.object({ op: z.literal('or'), of: z.array(predicateSchema).min(1) }),
    z.object({ op: z.literal('not'), of: predicateSchema }),
  ]),
);

function oneDigitOff(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let differences = 0;
  for (let i = 0; i < a.length && differences < 2; i += 1) if (a[i] !== b[i]) differences += 1;
  return differences === 1;
}

function transposed(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const at = [...a].findIndex((char, i) => char !== b[i]);
  return at >= 0 && at + 1 < a.length && a[at] === b[at + 1] && a[at + 1] === b[at] && a.slice(at + 2) === b.slice(at + 2);
}

/** Share of the smaller token set found in the other (addresses are often shortened). */
function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  if (small.size === 0) return 0;
  let shared = 0;
  for (const token of small) if (large.has(token)) shared += 1;
  return shared / small.size;
}

export type CompiledPredicate = (a: MatchRecord, b: MatchRecord) => boolean;

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
      return (a, b) => a.features[f] === null || b.features[f] === null;
    }
    case 'and': {
      const parts = predicate.of.map(compilePredicate);
      return (a, b) => parts.every((part) => part(a, b));
    }
    case 'or': {
      const parts = predicate.of.map(compilePredicate);
      return (a, b) => parts.some((part) => part(a, b));
    }
    case 'not': {
      const inner = compilePredicate(predicate.of);
      return (a, b) => !inner(a, b);
    }
    case 'dob_swapped':
      return (a, b) => a.features.dob_swapped !== null && a.features.dob_swapped === b.features.dob;
    case 'dob_compatible':
      return (a, b) => a.dateOfBirth !== null && b.dateOfBirth !== null && datesCompatible(a.dateOfBirth, b.dateOfBirth);
    case 'address_overlap': {
      const least = predicate.at_least;
      return (a, b) => overlap(a.addressTokens, b.addressTokens) >= least;
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

type TextPredicate = Extract<Predicate, { op: 'equal' | 'jaro_winkler' | 'levenshtein' | 'one_digit_off' | 'transposed' }>;

function textTest(predicate: TextPredicate): (x: string, y: string) => boolean {
  switch (predicate.op) {
    case 'equal':
      return (x, y) => x === y;
    case 'jaro_winkler': {
      const least = predicate.at_least;
      return (x, y) => x === y || jaroWinkler(x, y) >= least;
    }
    case 'levenshtein': {
      const most = predicate.at_most;
      return (x, y) => Math.abs(x.length - y.length) <= most && levenshtein.get(x, y) <= most;
    }
    case 'one_digit_off':
      return oneDigitOff;
    case 'transposed':
      return transposed;
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
