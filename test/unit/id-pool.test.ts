import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { typoVariants } from '../../services/shared/linkage/blocking.js';
import { digitsOf, IdPool } from '../../services/shared/linkage/id-pool.js';

const digitIds = fc.stringMatching(/^[0-9]{1,20}$/);
const anyIds = fc.oneof(digitIds, fc.string({ maxLength: 20 }));

describe('the ID pool', () => {
  it('gives back every ID as it was interned, leading zeros and all, digits or not', () => {
    fc.assert(
      fc.property(fc.array(anyIds, { maxLength: 200 }), (ids) => {
        const pool = new IdPool();
        const numbers = ids.map((id) => pool.intern(id));
        expect(numbers.map((number) => pool.value(number))).toEqual(ids);
      }),
    );
  });

  it('numbers two IDs alike exactly when they are the same string', () => {
    fc.assert(
      fc.property(anyIds, anyIds, (a, b) => {
        const pool = new IdPool();
        expect(pool.intern(a) === pool.intern(b)).toBe(a === b);
      }),
    );
  });

  it('keeps apart IDs that differ only in their leading zeros', () => {
    const pool = new IdPool();
    expect(new Set(['42', '042', '0042'].map((id) => pool.intern(id))).size).toBe(3);
  });

  it('keeps apart IDs of 16 digits that one 64-bit number cannot tell apart', () => {
    const pool = new IdPool();
    expect(pool.intern('9007199254740993')).not.toBe(pool.intern('9007199254740992'));
  });

  it('finds the number of an ID interned and none for an ID never interned', () => {
    const pool = new IdPool();
    const number = pool.intern('001090004321');
    pool.intern('C-7');
    expect([pool.idOf('001090004321'), pool.idOf('1090004321'), pool.idOf('C-8'), pool.idOf('')]).toEqual([number, -1, -1, -1]);
  });

  it('finds every ID again after its table has grown many times', () => {
    const pool = new IdPool();
    const ids = Array.from({ length: 20_000 }, (_, i) => (i % 7 === 0 ? `X${i}` : String(i * 7919).padStart(12, '0')));
    const numbers = ids.map((id) => pool.intern(id));
    expect(ids.map((id) => pool.idOf(id))).toEqual(numbers);
    expect(pool.size).toBe(ids.length);
  });
});

describe('the typo variants of an ID held in the pool', () => {
  it('are those the variants as strings find, in their order, for any ID and any pool', () => {
    fc.assert(
      fc.property(anyIds, fc.array(fc.nat(), { maxLength: 40 }), fc.array(anyIds, { maxLength: 40 }), fc.boolean(), (id, picks, others, itself) => {
        const variants = typoVariants(id);
        const pool = new IdPool();
        for (const other of others) pool.intern(other);
        for (const pick of picks) if (variants.length > 0) pool.intern(variants[pick % variants.length]!);
        if (itself) pool.intern(id);
        expect(pool.typoVariantsHeld(id)).toEqual(variants.map((variant) => pool.idOf(variant)).filter((number) => number >= 0));
      }),
      { numRuns: 3000 },
    );
  });

  it('reach the largest ID kept as a number and its leading zeros', () => {
    const pool = new IdPool();
    const [nines, leadingZero] = [pool.intern('999999999999989'), pool.intern('099999999999999')];
    expect(pool.typoVariantsHeld('999999999999999')).toEqual([leadingZero, nines]);
  });
});

describe('the pairs of IDs of the pool one typo apart', () => {
  /** IDs near each other, so that many are one typo apart: few digits, and a few lengths. */
  const nearIds = fc.oneof(fc.stringMatching(/^[0-2]{3,4}$/), fc.stringMatching(/^[0-1]{16,17}$/), fc.constantFrom('C-1', ''));

  it('are each ID with each of its typo variants the pool holds, once', () => {
    fc.assert(
      fc.property(fc.array(nearIds, { maxLength: 60 }), (ids) => {
        const pool = new IdPool();
        for (const id of ids) pool.intern(id);
        const expected = new Set<string>();
        for (let number = 0; number < pool.size; number += 1) {
          for (const other of pool.typoVariantsHeld(pool.value(number))) expected.add(`${Math.min(number, other)}|${Math.max(number, other)}`);
        }
        const pairs = [...pool.typoPairs()];
        expect(pairs.every(([x, y]) => x < y)).toBe(true);
        expect(pairs.map(([x, y]) => `${x}|${y}`).sort()).toEqual([...expected].sort());
      }),
      { numRuns: 2000 },
    );
  });

  it('reach the largest IDs kept as numbers, digit by digit', () => {
    const pool = new IdPool();
    const [nines, lastDigit, firstDigit] = ['999999999999999', '999999999999998', '899999999999999'].map((id) => pool.intern(id));
    expect(new Set([...pool.typoPairs()].map(([x, y]) => `${x}|${y}`))).toEqual(new Set([`${nines}|${lastDigit}`, `${nines}|${firstDigit}`]));
  });
});

describe('the digits of an ID number', () => {
  it('are the digits String gives for every whole number below 2^53', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (value) => digitsOf(value) === String(value)),
      { numRuns: 20000 },
    );
  });

  it('keep the zeros inside the low half of a twelve-digit number', () => {
    expect(digitsOf(100_000_000_007)).toBe('100000000007');
  });
});
