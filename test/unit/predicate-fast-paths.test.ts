import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holds } from '../../services/shared/linkage/predicates.js';
import { FEATURES, type Feature, type MatchRecord } from '../../services/shared/linkage/match-record.js';
import { datesCompatible } from '../../services/shared/normalise/date.js';

/** The predicates' earlier forms, which allocated per pair: the fast paths must agree with them. */
function transposedBefore(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  const at = [...a].findIndex((char, i) => char !== b[i]);
  return at >= 0 && at + 1 < a.length && a[at] === b[at + 1] && a[at + 1] === b[at] && a.slice(at + 2) === b.slice(at + 2);
}

function compatibleBefore(a: string, b: string): boolean {
  const common = Math.min(a.length, b.length);
  return a.slice(0, common) === b.slice(0, common);
}

function withFeature(feature: Feature, value: string | null): MatchRecord {
  const features = Object.fromEntries(FEATURES.map((f) => [f, null])) as Record<Feature, string | null>;
  features[feature] = value;
  return { id: 'x', dateOfBirth: null, addressTokens: new Set(), features };
}

const digitsOrAny = fc.oneof(fc.stringMatching(/^[0-9]{0,8}$/), fc.string({ maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 4 }));

describe('the predicates’ allocation-free paths', () => {
  it('find transposed digits where the spread-array form found them, on any pair', () => {
    fc.assert(
      fc.property(
        digitsOrAny,
        digitsOrAny,
        (x, y) => holds({ op: 'transposed', feature: 'dob' }, withFeature('dob', x), withFeature('dob', y)) === transposedBefore(x, y),
      ),
      { numRuns: 20000 },
    );
  });

  it('find transposed digits where the spread-array form did, on pairs one swap apart', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{2,12}$/), fc.nat(), (x, at) => {
        const i = at % (x.length - 1);
        const y = x.slice(0, i) + x[i + 1]! + x[i]! + x.slice(i + 2);
        return holds({ op: 'transposed', feature: 'personal_id' }, withFeature('personal_id', x), withFeature('personal_id', y)) === transposedBefore(x, y);
      }),
      { numRuns: 5000 },
    );
  });

  it('call two partial dates compatible exactly where their common prefix agreed', () => {
    const dates = fc.stringMatching(/^(19|20)[0-9]{2}(-[01][0-9](-[0-3][0-9])?)?$/);
    fc.assert(
      fc.property(dates, dates, (x, y) => datesCompatible({ value: x, precision: 'DAY' }, { value: y, precision: 'DAY' }) === compatibleBefore(x, y)),
      { numRuns: 20000 },
    );
  });

  it('finds a month and its own day compatible', () => {
    expect(datesCompatible({ value: '1990-05-12', precision: 'DAY' }, { value: '1990-05', precision: 'MONTH' })).toBe(true);
  });
});
