import fc from 'fast-check';
import packageJaroWinkler from 'jaro-winkler';
import { describe, expect, it } from 'vitest';
import { jaroWinkler } from '../../services/shared/linkage/jaro-winkler.js';

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
