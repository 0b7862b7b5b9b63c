import { describe, expect, it } from 'vitest';
import { MatchRecordReader, personToMatchRecord } from '../../services/shared/linkage/match-record.js';
import { citizenAsPerson, citizenMatchFields, type CitizenMatchRow, type CitizenRow } from '../../services/shared/register/citizen-row.js';
import { CITIZEN_MATCH_COLUMNS, citizenMatchColumns } from '../../services/shared/store/citizens-table.js';

const CITIZEN: CitizenRow = {
  citizen_id: '001190000017',
  personal_id: '001190000017',
  full_name: 'Trần Thị Bích Ngọc',
  name_key: 'tran thi bich ngoc',
  family_name: 'Trần',
  middle_name: 'Thị Bích',
  given_name: 'Ngọc',
  date_of_birth: '1990-07-11',
  dob_precision: 'DAY',
  sex: 'FEMALE',
  address: 'Số 12, ngõ 5, phường Láng Hạ, Hà Nội',
  place_of_birth: 'Hà Nội',
  ethnicity: 'Kinh',
  marital_status: 'MARRIED',
  date_of_death: null,
  dod_precision: null,
  status: 'ALIVE',
};

/** The row as a candidate lookup reads it: its match columns only. */
function matchColumnsOf(row: CitizenRow): CitizenMatchRow {
  const stored = { ...row, address_features: null };
  return Object.fromEntries(CITIZEN_MATCH_COLUMNS.map((column) => [column, stored[column]])) as CitizenMatchRow;
}

describe('a citizen read by its match columns only', () => {
  it('gives the same match record as the whole row', () => {
    expect(personToMatchRecord(CITIZEN.citizen_id, citizenMatchFields(matchColumnsOf(CITIZEN)))).toEqual(
      personToMatchRecord(CITIZEN.citizen_id, citizenAsPerson(CITIZEN)),
    );
  });

  it('gives the same match record for a citizen with a year of birth and no address', () => {
    const elder: CitizenRow = { ...CITIZEN, date_of_birth: '1957', dob_precision: 'YEAR', address: null, personal_id: null };
    expect(personToMatchRecord(elder.citizen_id, citizenMatchFields(matchColumnsOf(elder)))).toEqual(
      personToMatchRecord(elder.citizen_id, citizenAsPerson(elder)),
    );
  });

  it('reads fewer columns than the whole row', () => {
    expect(citizenMatchColumns('c')).toBe('c.citizen_id, c.personal_id, c.name_key, c.date_of_birth, c.dob_precision, c.sex, c.address, c.address_features');
  });

  it('gives the same match records through a reader that keeps names, dates and addresses it has seen', () => {
    const household: CitizenRow[] = [
      CITIZEN,
      { ...CITIZEN, citizen_id: '001090000021', personal_id: '001090000021', name_key: 'le van hai', date_of_birth: '1988-02-03', sex: 'MALE' },
      { ...CITIZEN, citizen_id: '001090000022', personal_id: null, date_of_birth: '1957', dob_precision: 'YEAR' },
      { ...CITIZEN, citizen_id: '001090000023', address: null, date_of_birth: '1990-11-07' },
      { ...CITIZEN, citizen_id: '001090000024', name_key: '', address: 'Thôn 3, xã An Phú, Nghệ An' },
      { ...CITIZEN, citizen_id: '001090000025', name_key: 'tran van nam', sex: 'MALE', address: 'So nha 12 ngo 5 phuong Lang Ha Ha Noi' },
    ];
    const reader = new MatchRecordReader();
    const twice = [...household, ...household];
    expect(twice.map((row) => reader.readPerson(row.citizen_id, citizenMatchFields(matchColumnsOf(row))))).toEqual(
      twice.map((row) => personToMatchRecord(row.citizen_id, citizenMatchFields(matchColumnsOf(row)))),
    );
  });
});
