import { describe, expect, it } from 'vitest';
import {
  birthYearOfId,
  checkPersonalId,
  decodeCenturySex,
  hasProvinceCode,
  idNearlyFitsHolder,
  idPrefix,
  parsePersonalId,
} from '../../services/shared/normalise/personal-id.js';
import { PROVINCES_2008 } from '../../services/shared/normalise/provinces.js';
import { RuleReport } from '../../services/shared/quality/rule-report.js';

describe('parsePersonalId', () => {
  it('accepts 12 digits typed in groups, keeping leading zeros', () => {
    expect(parsePersonalId(' 001 090 123456 ')).toEqual({ kind: 'personal', value: '001090123456' });
  });

  it('recognises a 9-digit old ID card number as legacy', () => {
    expect(parsePersonalId('012345678')).toEqual({ kind: 'legacy', value: '012345678' });
  });

  it('refuses anything else', () => {
    expect(parsePersonalId('ABC-12').kind).toBe('invalid');
  });
});

describe('hasProvinceCode', () => {
  it('holds for an ID whose first three digits are a province code, and for no other three digits', () => {
    const prefixes = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
    expect(prefixes.filter((prefix) => hasProvinceCode(`${prefix}090123456`))).toEqual(Object.keys(PROVINCES_2008).sort());
  });

  it('does not hold for an ID shorter than a province code or one that begins with other characters', () => {
    expect(['', '00', '0a1090123456', ' 01090123456', '-01090123456'].filter(hasProvinceCode)).toEqual([]);
  });
});

describe('the century-and-sex digit', () => {
  it('reads 3 as a woman born in the 2000s', () => {
    expect(decodeCenturySex('001305000001')).toEqual({ century: 2000, sex: 'FEMALE' });
  });

  it('builds the prefix that decodes back to the same birth year', () => {
    expect(birthYearOfId(`${idPrefix('079', 'MALE', 1987)}000001`)).toBe(1987);
  });
});

function findings(personalId: string, sex: 'MALE' | 'FEMALE', year: number): string[] {
  const report = new RuleReport();
  checkPersonalId(personalId, sex, year, 'pid', report);
  expect(report.issues).toEqual([]);
  return report.findings.map((f) => f.code);
}

describe('checkPersonalId', () => {
  it('finds nothing when the ID agrees with sex and birth year', () => {
    expect(findings('079087000001', 'MALE', 1987)).toEqual([]);
  });

  it('reports a sex disagreement as a finding, not an error', () => {
    expect(findings('079087000001', 'FEMALE', 1987)).toEqual(['PID_SEX_MISMATCH']);
  });

  it('reports a birth year disagreement and an unknown province together', () => {
    expect(findings('099087000001', 'MALE', 1990)).toEqual(['PID_PROVINCE_UNKNOWN', 'PID_BIRTH_YEAR_MISMATCH']);
  });
});

describe('an ID that nearly fits its holder (idNearlyFitsHolder)', () => {
  it("takes an ID whose century, sex and year digits are the holder's own for one that fits", () => {
    expect(idNearlyFitsHolder('079195123456', '1995', 'FEMALE')).toBe(true);
  });

  it('takes an ID one digit from fitting in its year for the holder’s own, mistyped', () => {
    expect(idNearlyFitsHolder('079165123456', '1995', 'FEMALE')).toBe(true);
  });

  it('takes an ID with two neighbouring year digits swapped for the holder’s own, mistyped', () => {
    expect(idNearlyFitsHolder('079159123456', '1995', 'FEMALE')).toBe(true);
  });

  it("does not take a mother's ID for her son's: century, sex and year are three digits away", () => {
    expect(idNearlyFitsHolder('079195004321', '2026', 'MALE')).toBe(false);
  });

  it("reads a record without a sex against either sex's digit", () => {
    // 065: a man born 1995 but for one digit (095), a woman two digits away (195).
    expect([idNearlyFitsHolder('079065123456', '1995', null), idNearlyFitsHolder('079065123456', '1995', 'FEMALE')]).toEqual([true, false]);
  });

  it('cannot tell a daughter’s own ID mistyped from her mother’s born 30 years before in the same century: one digit apart', () => {
    expect(idNearlyFitsHolder('079165004321', '1995', 'FEMALE')).toBe(true);
  });

  it('takes no year the ID cannot hold for one it nearly fits', () => {
    expect([idNearlyFitsHolder('079895123456', '1895', 'MALE'), idNearlyFitsHolder('079800123456', '2400', 'MALE')]).toEqual([false, false]);
  });

  it('cannot tell without a birth year, nor for an ID that is not 12 digits', () => {
    expect([idNearlyFitsHolder('079195123456', null, 'FEMALE'), idNearlyFitsHolder('79195123456', '1995', 'FEMALE')]).toEqual([false, false]);
  });
});
