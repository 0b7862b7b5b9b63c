import { describe, expect, it } from 'vitest';
import { compareField, compareFields } from '../../services/steward/case-view.js';

describe('case page: how a candidate field compares with the record', () => {
  it('calls equal values the same', () => {
    expect(compareField('full_name', 'Nguyễn Văn An', 'Nguyễn Văn An')).toBe('same');
  });

  it('tells a name written without diacritics from a different name', () => {
    expect(compareField('full_name', 'Nguyen Van An', 'Nguyễn Văn An')).toBe('same_without_diacritics');
    expect(compareField('full_name', 'Nguyễn Văn Ân', 'Nguyễn Văn An')).toBe('same_without_diacritics');
    expect(compareField('full_name', 'Nguyễn Văn Anh', 'Nguyễn Văn An')).toBe('differs');
  });

  it('sets case and doubled spaces aside with the diacritics', () => {
    expect(compareField('address', 'SỐ 12  LÊ LỢI, HUẾ', 'Số 12 Lê Lợi, Huế')).toBe('same_without_diacritics');
  });

  it('lets a birth year agree with a full date in that year, and only as far as it goes', () => {
    expect(compareField('date_of_birth', '1991', '1991-06-26')).toBe('partial');
    expect(compareField('date_of_birth', '1991-06', '1991-06-26')).toBe('partial');
    expect(compareField('date_of_birth', '1990', '1991-06-26')).toBe('differs');
    expect(compareField('date_of_birth', '1991-06-26', '1991-06-26')).toBe('same');
  });

  it('calls a value absent on either side missing, not different', () => {
    expect(compareField('address', null, 'Số 12 Lê Lợi')).toBe('missing');
    expect(compareField('personal_id', '001090000001', '  ')).toBe('missing');
  });

  it('calls two placeholder IDs (no province code) missing, not the same', () => {
    expect(compareField('personal_id', '000000000000', '000000000000')).toBe('missing');
  });

  it('compares every field of the case page', () => {
    const record = { personal_id: '001090000001', full_name: 'Hoang Van Tu', date_of_birth: '1990', sex: 'MALE', address: null };
    const candidate = { personal_id: '001090000002', full_name: 'Hoàng Văn Tú', date_of_birth: '1990-01-02', sex: 'MALE', address: 'Hà Nội' };
    expect(compareFields(record, candidate)).toEqual({
      personal_id: 'differs',
      full_name: 'same_without_diacritics',
      date_of_birth: 'partial',
      sex: 'same',
      address: 'missing',
    });
  });
});
