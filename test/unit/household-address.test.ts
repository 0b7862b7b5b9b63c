import { describe, expect, it } from 'vitest';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';

/** The household key of an address as a record or a register entry writes it (synthetic addresses). */
const house = (address: string | null): string | null => toMatchRecord('R', { address }).features.address_key;

describe('the household key of an address', () => {
  it('is the same whether a source writes the words that name the kind of place or leaves them out', () => {
    expect(house('51 thôn 6, Hòa Bình Tây, Nam Định')).toBe(house('Số 51, thôn 6, xã Hòa Bình Tây, Nam Định'));
  });

  it('names a province merged in 2025 as the province it is part of, so a record made before the merger meets the register', () => {
    expect(house('so 55, duong tran hung dao, xa trung son tay, ba ria - vung tau')).toBe(
      house('Số 55, đường Trần Hưng Đạo, xã Trung Sơn Tây, Thành phố Hồ Chí Minh'),
    );
  });

  it('reads the province at the end of an address written without commas', () => {
    expect(house('81 Điện Biên Phủ Quảng Ngãi')).toBe(house('Số 81 Điện Biên Phủ, Quảng Ngãi'));
  });

  it('keeps a name that is also a kind of place unless the kind is written whole (Trần against thị trấn)', () => {
    expect(house('Số 55, đường Trần Hưng Đạo, xã An Phú, Nghệ An')).toBe('55 tran hung dao an phu nghe an');
    expect(house('Số 3, thị trấn Phú Mỹ, Bà Rịa - Vũng Tàu')).toBe('3 phu my ho chi minh');
  });

  it('tells apart two houses of one street', () => {
    expect(house('Số 35, đường Lý Thường Kiệt, xã Vĩnh Long, Nghệ An')).not.toBe(house('Số 36, đường Lý Thường Kiệt, xã Vĩnh Long, Nghệ An'));
  });

  it('tells apart one address in two provinces that were not merged into one', () => {
    expect(house('Số 12, đường Lê Lợi, phường 3, Nghệ An')).not.toBe(house('Số 12, đường Lê Lợi, phường 3, Hà Tĩnh'));
  });

  it('is none for an address that names only a province, as for no address', () => {
    expect([house('Tỉnh Nghệ An'), house(null)]).toEqual([null, null]);
  });
});
