import { describe, expect, it } from 'vitest';
import { FEATURES, MatchRecordReader, normalisedFieldFeatures, personToMatchRecord, toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { addressFeaturesToStore, storedAddressFeatures } from '../../services/shared/linkage/stored-address-features.js';
import { holds, predicateSchema, type Predicate } from '../../services/shared/linkage/predicates.js';
import { cleanText } from '../../services/shared/normalise/text.js';

const record = (name: string, dob = '1987-03-14', pid: string | null = '079087000001') =>
  toMatchRecord(name, { full_name: name, date_of_birth: dob, personal_id: pid });

describe('match features', () => {
  it('turns a given-name-first name round when only its last word is a family name', () => {
    expect(record('Văn Hùng Nguyễn').features.name_key).toBe('nguyen van hung');
  });

  it('puts Hoàng and Huỳnh in one family group', () => {
    expect(record('Huỳnh Văn Lộc').features.family_group).toBe(record('Hoàng Văn Lộc').features.family_group);
  });

  it('keeps the swapped day-month form of a date as a feature', () => {
    expect(record('Lê Văn A', '1990-05-07').features.dob_swapped).toBe('1990-07-05');
  });

  it('reads through Telex and VNI keys typed with the input method off', () => {
    expect([record('Truwowfng Vawn Hunfg').features.name_key, record('Nguye64n Thi5 Thu3y').features.name_key]).toEqual(['truong van hung', 'nguyen thi thuy']);
  });

  it('leaves names that are not Vietnamese as they are, though they look typed', () => {
    expect(record('James Fisher').features.name_key).toBe('james fisher');
  });

  it('never compares an old 9-digit ID card number with a personal ID', () => {
    expect(record('Lê Văn A', '1990', '012345678').features.personal_id).toBeNull();
  });

  it('holds its features in the order FEATURES names them, however the record was read', () => {
    const address = 'xóm Đông, xã Nghi Phong, Nghi Lộc, Nghệ An';
    const person = {
      personal_id: null,
      name_key: 'le van a',
      date_of_birth: { value: '1990-05-07', precision: 'DAY' as const },
      sex: 'MALE' as const,
      address,
    };
    const stored = storedAddressFeatures(addressFeaturesToStore(normalisedFieldFeatures.address(address)));
    const records = [
      record('Lê Văn A'),
      personToMatchRecord('C-1', person),
      personToMatchRecord('C-1', person, stored),
      new MatchRecordReader().readPerson('C-1', person, stored),
      new MatchRecordReader().read('C-1', { full_name: 'Lê Văn A', address }),
    ];
    for (const each of records) expect(Object.keys(each.features)).toEqual([...FEATURES]);
  });

  it('repairs UTF-8 text that was read as Windows-1252', () => {
    expect(cleanText(new TextDecoder('windows-1252').decode(Buffer.from('Nguyễn Đức', 'utf8')))).toBe('Nguyễn Đức');
  });
});

describe('predicates', () => {
  const a = record('Nguyễn Văn Hùng', '1987-03-14', '079087000001');

  it('sees one digit off in an identifier', () => {
    expect(holds({ op: 'one_digit_off', feature: 'personal_id' }, a, record('x', '1987-03-14', '079087000007'))).toBe(true);
  });

  it('sees two swapped neighbouring digits', () => {
    expect(holds({ op: 'transposed', feature: 'personal_id' }, a, record('x', '1987-03-14', '079087000010'))).toBe(true);
  });

  it('sees consecutive identifiers as numbers near each other', () => {
    const near: Predicate = { op: 'numbers_near', feature: 'personal_id', at_most: 2 };
    expect(holds(near, record('x', '1987-03-14', '079087000457'), record('y', '1987-03-14', '079087000458'))).toBe(true);
  });

  it('counts a carry when it sees consecutive identifiers (…0409 and …0410)', () => {
    const near: Predicate = { op: 'numbers_near', feature: 'personal_id', at_most: 2 };
    expect(holds(near, record('x', '1987-03-14', '079087000409'), record('y', '1987-03-14', '079087000410'))).toBe(true);
  });

  it('does not take a one-digit typo away from the last digits for consecutive identifiers (…0457 and …0957)', () => {
    const near: Predicate = { op: 'numbers_near', feature: 'personal_id', at_most: 2 };
    expect(holds(near, record('x', '1987-03-14', '079087000457'), record('y', '1987-03-14', '079087000957'))).toBe(false);
  });

  it('does not take the same identifier for a near one', () => {
    const near: Predicate = { op: 'numbers_near', feature: 'personal_id', at_most: 2 };
    expect(holds(near, a, record('y', '1987-03-14', '079087000001'))).toBe(false);
  });

  const person = (dob: string | null, sex: string | null, pid: string) =>
    toMatchRecord(pid, { full_name: 'Lê Văn A', date_of_birth: dob, sex, personal_id: pid });
  const ownIds: Predicate = { op: 'ids_fit_holders', feature: 'personal_id' };

  it("sees two people's own IDs when each ID's digits give its holder's birth year and sex", () => {
    expect(holds(ownIds, person('1987-03-14', 'M', '079087000001'), person('1987-03-14', 'M', '001087123456'))).toBe(true);
  });

  it("does not take a parent's ID on a child's record for the child's own", () => {
    expect(holds(ownIds, person('2015-06-01', 'F', '079087000001'), person('2015-06-01', 'F', '001315123456'))).toBe(false);
  });

  it("does not take an ID whose sex digit is not its holder's sex for the holder's own", () => {
    expect(holds(ownIds, person('1987-03-14', 'F', '079087000001'), person('1987-03-14', 'F', '001187123456'))).toBe(false);
  });

  it("reads a 2000s birth's century from its ID's digit (2 a man, 3 a woman)", () => {
    expect(holds(ownIds, person('2026-01-12', 'F', '046326358122'), person('2026-01-12', 'F', '091326122282'))).toBe(true);
  });

  it('rejects an ids_fit_holders predicate on another feature than the personal ID', () => {
    expect(predicateSchema.safeParse({ op: 'ids_fit_holders', feature: 'name_key' }).success).toBe(false);
  });

  it('judges the ID of a record without a sex by its birth year alone', () => {
    expect(holds(ownIds, person('1987', null, '079087000001'), person('1987-03-14', 'M', '001087123456'))).toBe(true);
  });

  it('cannot tell whose ID a record without a birth year carries', () => {
    expect(holds(ownIds, person(null, 'M', '079087000001'), person('1987-03-14', 'M', '001087123456'))).toBe(false);
  });

  const fitsCandidate: Predicate = { op: 'id_fits_holder', feature: 'personal_id', side: 'candidate' };
  const fitsRecord: Predicate = { op: 'id_fits_holder', feature: 'personal_id', side: 'record' };

  it("tells whose an ID on both sides is: an older sister's ID on a girl's record fits the sister, not the girl", () => {
    const girl = person('2016', 'F', '004310449666');
    const sister = person('2010-11-14', 'F', '004310449666');
    expect([holds(fitsRecord, girl, sister), holds(fitsCandidate, girl, sister)]).toEqual([false, true]);
  });

  it('cannot tell whether an ID fits the side that has no birth year', () => {
    expect(holds(fitsRecord, person(null, 'F', '004310449666'), person('2010-11-14', 'F', '004310449666'))).toBe(false);
  });

  const candidateElder: Predicate = { op: 'born_years_before', side: 'candidate', at_least: 15 };
  const recordElder: Predicate = { op: 'born_years_before', side: 'record', at_least: 15 };

  it('tells which side is the elder by at least the years asked, a year-only date read as its year', () => {
    const [son, mother] = [person('2026-06-01', 'M', '079226001234'), person('1995', 'F', '079195004321')];
    expect([holds(candidateElder, son, mother), holds(recordElder, son, mother), holds(recordElder, mother, son)]).toEqual([true, false, true]);
  });

  it('does not take someone born fewer years before for the elder', () => {
    expect(holds(candidateElder, person('2010-01-01', 'M', '079210001234'), person('1996-12-31', 'F', '079196004321'))).toBe(false);
  });

  it('cannot tell the elder when one side has no birth year', () => {
    expect(holds(candidateElder, person(null, 'M', '079226001234'), person('1995', 'F', '079195004321'))).toBe(false);
  });

  it("reads the named side's sex, and none where that side gives none", () => {
    const [son, mother] = [person('2026-06-01', 'M', '079226001234'), person('1995', 'F', '079195004321')];
    const female = (side: 'record' | 'candidate'): Predicate => ({ op: 'sex_is', side, sex: 'FEMALE' });
    expect([holds(female('candidate'), son, mother), holds(female('record'), son, mother), holds(female('candidate'), son, person('1995', null, 'x'))]).toEqual(
      [true, false, false],
    );
  });

  it('does not read the digits of an identifier that is not a 12-digit personal ID', () => {
    expect(holds(ownIds, person('1987-03-14', 'M', '1087123'), person('1987-03-14', 'M', '2087123'))).toBe(false);
  });

  it('rejects a numbers_near predicate without its distance', () => {
    expect(predicateSchema.safeParse({ op: 'numbers_near', feature: 'personal_id' }).success).toBe(false);
  });

  it('sees a date of birth with day and month swapped', () => {
    expect(holds({ op: 'dob_swapped' }, record('y', '1987-04-03'), record('z', '1987-03-04'))).toBe(true);
  });

  it('composes with and, or and not', () => {
    const b = record('Nguyễn Văn Hùng', '1990-01-01', null);
    const sameNameOtherDay: Predicate = {
      op: 'and',
      of: [
        { op: 'equal', feature: 'name_key' },
        { op: 'not', of: { op: 'equal', feature: 'dob' } },
      ],
    };
    expect([holds(sameNameOtherDay, a, b), holds({ op: 'or', of: [{ op: 'missing', feature: 'personal_id' }, { op: 'else' }] }, a, b)]).toEqual([true, true]);
  });

  it('sees the words of two names close in any order, each with a typo, with the words left over that it allows', () => {
    const words = (unmatched: number): Predicate => ({ op: 'tokens_close', feature: 'name_key', at_least: 0.85, unmatched });
    expect([
      holds(words(0), record('La Mccoat'), record('Mccowat Lara')),
      holds(words(0), record('Lương Sơn'), record('Lương Văn Sơn')),
      holds(words(1), record('Lương Sơn'), record('Lương Văn Sơn')),
      holds(words(1), record('Nguyễn Văn Hùng'), record('Nguyễn Văn Dũng')),
      holds(words(1), record('Sơn'), record('Sơn')),
    ]).toEqual([true, false, true, false, false]);
  });

  it('treats a comparison of a missing value as false, never as agreement', () => {
    expect(holds({ op: 'equal', feature: 'personal_id' }, record('a', '1987', null), record('b', '1987', null))).toBe(false);
  });
});
