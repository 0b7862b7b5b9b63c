import { describe, expect, it } from 'vitest';
import { datesCompatible, latestDay, parsePartialDate } from '../../services/shared/normalise/date.js';

describe('parsePartialDate', () => {
  it.each([
    ['1990-05-12', '1990-05-12'],
    ['12/05/1990', '1990-05-12'],
    ['2/5/1990', '1990-05-02'],
    ['12-05-1990', '1990-05-12'],
    ['19900512', '1990-05-12'],
  ])('reads %s as the day %s', (raw, value) => {
    expect(parsePartialDate(raw)).toEqual({ ok: true, date: { value, precision: 'DAY' }, impossibleDay: false });
  });

  it('keeps a year alone at year precision', () => {
    expect(parsePartialDate('1954')).toMatchObject({ ok: true, date: { value: '1954', precision: 'YEAR' } });
  });

  it('reads the 00/00/yyyy placeholder as the year only', () => {
    expect(parsePartialDate('00/00/1954')).toMatchObject({ ok: true, date: { value: '1954', precision: 'YEAR' } });
  });

  it('keeps the month of a day that cannot exist and flags it', () => {
    expect(parsePartialDate('31/04/1980')).toEqual({ ok: true, date: { value: '1980-04', precision: 'MONTH' }, impossibleDay: true });
  });

  it('refuses text that is not a date', () => {
    expect(parsePartialDate('ngày mai').ok).toBe(false);
  });

  it('refuses a month that does not exist', () => {
    expect(parsePartialDate('01/13/1980').ok).toBe(false);
  });

  it('says why it refuses a date without quoting the text or any part of it (a date of birth)', () => {
    const reasons = ['31/31/1961', '15/06/1749', 'ngày 5 tháng 3 năm 1961'].map((raw) => {
      const parsed = parsePartialDate(raw);
      return parsed.ok ? null : parsed.reason;
    });
    expect(reasons.map((reason) => [reason !== null, /31|1961|1749|ngày/.test(reason ?? '')])).toEqual([
      [true, false],
      [true, false],
      [true, false],
    ]);
  });
});

describe('partial date helpers', () => {
  it('treats a year as compatible with any day in it', () => {
    expect(datesCompatible({ value: '1990', precision: 'YEAR' }, { value: '1990-05-12', precision: 'DAY' })).toBe(true);
  });

  it('treats two different days as incompatible', () => {
    expect(datesCompatible({ value: '1990-05-12', precision: 'DAY' }, { value: '1990-05-13', precision: 'DAY' })).toBe(false);
  });

  it('gives the last day of a month, leap years included', () => {
    expect(latestDay({ value: '2024-02', precision: 'MONTH' })).toBe('2024-02-29');
  });
});
