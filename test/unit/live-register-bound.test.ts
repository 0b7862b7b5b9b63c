import { describe, expect, it } from 'vitest';
import { refoldBound } from '../../services/shared/linkage-io/live-register.js';

describe('how many changed citizens the memory-held register takes in before it is read afresh', () => {
  it('takes in 100,000 at least, whatever the register size', () => {
    expect(refoldBound(3_000)).toBe(100_000);
  });

  it('takes in a whole tenth of a register of more than a million, never a fraction', () => {
    expect(refoldBound(1_019_855)).toBe(101_985);
  });

  it('follows a bound given instead', () => {
    expect(refoldBound(1_019_855, 5)).toBe(5);
  });
});
