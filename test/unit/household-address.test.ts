import { describe, expect, it } from 'vitest';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';

/** An address as the linkage reads it, one household's (synthetic addresses). */
const house = (address: string | null): string | null => toMatchRecord('R', { address }).features.address_key;

describe('an address read as one household’s', () => {
  it('is the same whether a source writes the words that name the kind of place or leaves them out', () => {
    expect(house('51, đường Lê Lợi, Hòa Bình Tây, Nam Định')).toBe(house('Số 51, đường Lê Lợi, xã Hòa Bình Tây, Nam Định'));
  });

  it('names a province merged in 2025 as the province it is part of, so a record made before the merger meets the register', () => {
    expect(house('so 55, duong tran hung dao, xa trung son tay, ba ria - vung tau')).toBe(
      house('Số 55, đường Trần Hưng Đạo, xã Trung Sơn Tây, Thành phố Hồ Chí Minh'),
    );
  });

  it('reads the province at the end of an address written without commas, old or new', () => {
    expect(house('81 Điện Biên Phủ Kon Tum')).toBe(house('Số 81 Điện Biên Phủ, Quảng Ngãi'));
  });

  it('reads T.P., TP and thành phố before a province as the same', () => {
    expect([house('Số 9 Lê Lợi, T.P. Hồ Chí Minh'), house('Số 9 Lê Lợi, TP Hồ Chí Minh')]).toEqual([
      house('Số 9 Lê Lợi, Thành phố Hồ Chí Minh'),
      house('Số 9 Lê Lợi, Thành phố Hồ Chí Minh'),
    ]);
  });

  it('keeps a name written with other tones than a kind of place (Phương, not phường)', () => {
    expect(house('Số 12, đường Nguyễn Tri Phương, phường An Phú, Nghệ An')).toBe('12 nguyen tri phuong an phu nghe an');
  });

  it('keeps Trần unless thị trấn is written whole', () => {
    expect([house('Số 55, đường Trần Hưng Đạo, xã An Phú, Nghệ An'), house('Số 3, thị trấn Phú Mỹ, Bà Rịa - Vũng Tàu')]).toEqual([
      '55 tran hung dao an phu nghe an',
      '3 phu my ho chi minh',
    ]);
  });

  it('does not read a commune named as a province as that province', () => {
    expect(house('Số 5, phường Hòa Bình')).toBe('5 hoa binh');
    expect(house('Số 5, phường Hòa Bình')).not.toBe(house('Số 5, Vĩnh Phúc'));
  });

  it('tells a hamlet’s number from a house number', () => {
    expect(house('thôn 6, xã An Phú, Nghệ An')).not.toBe(house('Số 6, xã An Phú, Nghệ An'));
  });

  it('tells apart two houses of one street', () => {
    expect(house('Số 35, đường Lý Thường Kiệt, xã Vĩnh Long, Nghệ An')).not.toBe(house('Số 36, đường Lý Thường Kiệt, xã Vĩnh Long, Nghệ An'));
  });

  it('tells apart one address in two provinces the merger kept apart', () => {
    expect(house('Số 12, đường Lê Lợi, phường 3, Nghệ An')).not.toBe(house('Số 12, đường Lê Lợi, phường 3, Hà Tĩnh'));
  });

  it('is none for an address that names only a province, as for no address', () => {
    expect([house('Tỉnh Nghệ An'), house(null)]).toEqual([null, null]);
  });

  it('takes the area of an address that names only a province, not the office’s', () => {
    const { features } = toMatchRecord('R', { address: 'Nghệ An', office_area: 'Trạm y tế xã An Phú, Hà Tĩnh' });
    expect([features.area_province, features.area_commune]).toEqual(['Nghệ An', null]);
  });
});
