import { describe, expect, it } from 'vitest';
import { findProvince, findProvinceOfWords, oldProvincesCovered, PROVINCES_2025, provinceOfAddress } from '../../services/shared/normalise/provinces-2025.js';
import { foldedAddressWords } from '../../services/shared/normalise/plausibility.js';
import { foldToAscii } from '../../services/shared/normalise/text.js';

describe('provinces after the 2025 merger', () => {
  it('has 34 provinces and cities', () => {
    expect(Object.keys(PROVINCES_2025)).toHaveLength(34);
  });

  it('places each of the 63 old provinces in exactly one new one', () => {
    expect(oldProvincesCovered()).toEqual([]);
    const olds = Object.values(PROVINCES_2025).flat();
    expect(new Set(olds).size).toBe(63);
  });

  it('finds every province, old or new, from its name split into folded words as an address is', () => {
    const names = [...Object.keys(PROVINCES_2025), ...Object.values(PROVINCES_2025).flat()];
    for (const name of names) expect(findProvinceOfWords(foldedAddressWords(foldToAscii(name)).join(' ')), name).toEqual(findProvince(name));
  });

  it('reads an old name without diacritics or with tỉnh in front', () => {
    expect(findProvince('tinh bac giang')).toEqual({ named: 'Bắc Giang', current: 'Bắc Ninh', merged: true });
    expect(findProvince('Tỉnh Bà Rịa – Vũng Tàu')?.current).toBe('Hồ Chí Minh');
  });

  it('unifies tone-mark styles in names', () => {
    expect(findProvince('Thanh Hoá')).toEqual({ named: 'Thanh Hóa', current: 'Thanh Hóa', merged: false });
  });

  it('reads the province from the last part of an address', () => {
    expect(provinceOfAddress('Số 12 Lê Lợi, Phường 3, TP. Hồ Chí Minh')).toEqual({ named: 'Hồ Chí Minh', current: 'Hồ Chí Minh', merged: false });
    expect(provinceOfAddress('Số 12 Lê Lợi, Phường 3, Gotham')).toBe('unknown');
    expect(provinceOfAddress('Hà Nội')).toBeNull();
  });
});
