import { describe, expect, it } from 'vitest';
import { normaliseName } from '../../services/shared/normalise/name.js';

describe('normaliseName', () => {
  it('splits a name into family, middle and given names', () => {
    expect(normaliseName('Nguyễn Thị Minh Khai')).toMatchObject({ family_name: 'Nguyễn', middle_name: 'Thị Minh', given_name: 'Khai' });
  });

  it('writes a register-style capitalised name with each word capitalised', () => {
    expect(normaliseName('NGUYỄN VĂN AN')?.full_name).toBe('Nguyễn Văn An');
  });

  it('gives the same name key with or without diacritics', () => {
    expect(normaliseName('NGUYEN VAN AN')?.name_key).toBe(normaliseName('Nguyễn Văn Ân')?.name_key);
  });

  it('unifies the two tone-mark conventions in the stored name', () => {
    expect(normaliseName('Lê Thị Thuỷ')?.full_name).toBe(normaliseName('Lê Thị Thủy')?.full_name);
  });

  it('returns null for text without letters', () => {
    expect(normaliseName(' 123 -- ')).toBeNull();
  });
});
