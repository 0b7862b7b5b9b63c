import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { generatePopulation } from '../../services/shared/synth/population.js';

/** The misses of issue 15, each built from its example, against the committed settings. */
const settings = loadSettings();
const background = generatePopulation(2000, 41).map((c) => toMatchRecord(c.citizen_id, c));
const son: RawPerson = {
  personal_id: '040057001234',
  full_name: 'Lương Văn Sơn',
  date_of_birth: '00/00/1957',
  sex: 'M',
  address: 'Số 14 Lê Lợi, Nghệ An',
};

function linkage(register: RawPerson[]) {
  return inMemoryLinkage(settings, [...background, ...register.map((person, i) => toMatchRecord(`C${i}`, person))]);
}

function candidates(register: RawPerson[], record: RawPerson): string[] {
  const { source } = linkage(register);
  return source.candidatesSync(toMatchRecord('R1', record)).map((c) => c.id);
}

describe('blocking reaches the no-ID records whose register date of birth is the year only', () => {
  it('finds Lương Văn Sơn, registered as born 00/00/1957, for a record with a typo in the middle name', () => {
    expect(candidates([son], { full_name: 'LUONG VN SON', date_of_birth: '1957', sex: 'M' })).toContain('C0');
  });

  it('finds him for a record with the middle name dropped', () => {
    expect(candidates([son], { full_name: 'LƯƠNG SƠN', date_of_birth: '12/05/1957', sex: 'M' })).toContain('C0');
  });

  it('finds him for a record with a typo in the family name and his house number', () => {
    expect(candidates([son], { full_name: 'Lươg Văn Sơn', date_of_birth: '1957', address: '14 Le Loi Nghe An' })).toContain('C0');
  });
});
