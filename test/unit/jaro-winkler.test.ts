import fc from 'fast-check';
import packageJaroWinkler from 'jaro-winkler';
import { describe, expect, it } from 'vitest';
import { jaroWinkler, jaroWinklerCeiling } from '../../services/shared/linkage/jaro-winkler.js';

/** Names as the linker compares them: few letters, so that pairs share many and transpose some. */
const nameLike = fc.string({ unit: fc.constantFrom('a', 'n', 'h', 'g', 'u', 'y', 'e', 't', ' '), maxLength: 16 });

describe('Jaro-Winkler without allocation', () => {
  it('gives the jaro-winkler package’s similarity to the last bit on name-like pairs', () => {
    fc.assert(
      fc.property(nameLike, nameLike, (x, y) => Object.is(jaroWinkler(x, y), packageJaroWinkler(x, y))),
      { numRuns: 20000 },
    );
  });

  it('gives the package’s similarity to the last bit on any strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (x, y) => Object.is(jaroWinkler(x, y), packageJaroWinkler(x, y))),
      { numRuns: 5000 },
    );
  });

  it('gives the package’s similarity for a long pair after short ones', () => {
    const long = 'nguyen thi thanh huong '.repeat(6);
    jaroWinkler('an', 'na');
    expect(jaroWinkler(long, `${long}x`)).toBe(packageJaroWinkler(long, `${long}x`));
  });

  it('scores a one-letter typo in a Vietnamese given name as the package does', () => {
    expect(jaroWinkler('huong', 'huonh')).toBe(packageJaroWinkler('huong', 'huonh'));
  });
});

describe('Jaro-Winkler ceiling', () => {
  it('is never below the similarity on name-like pairs', () => {
    fc.assert(
      fc.property(nameLike, nameLike, (x, y) => jaroWinklerCeiling(x, y) >= jaroWinkler(x, y)),
      { numRuns: 20000 },
    );
  });

  it('is never below the similarity on any strings, units from 128 up included', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.string({ unit: 'binary', maxLength: 12 }),
        (x, y) => jaroWinklerCeiling(x, y) >= jaroWinkler(x, y),
      ),
      { numRuns: 5000 },
    );
  });

  it('is never below the similarity after another pair’s units were counted', () => {
    jaroWinklerCeiling('nguyen thi thanh huong', 'an');
    expect(jaroWinklerCeiling('huong', 'huonh')).toBeGreaterThanOrEqual(jaroWinkler('huong', 'huonh'));
  });

  it('falls below a name level threshold for two people of one family name', () => {
    expect(jaroWinklerCeiling('nguyen van an', 'nguyen thi bich')).toBeLessThan(0.92);
  });

  it('is 1 for equal strings and 0 when either is empty', () => {
    expect([jaroWinklerCeiling('lan', 'lan'), jaroWinklerCeiling('', 'lan'), jaroWinklerCeiling('lan', '')]).toEqual([1, 0, 0]);
  });
});
