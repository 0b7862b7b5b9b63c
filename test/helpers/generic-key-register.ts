import { toMatchRecord, type MatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';

/** A person with only a name and a date of birth, as the generic-key tests need. */
export const person = (full_name: string, date_of_birth: string): RawPerson => ({ personal_id: null, full_name, date_of_birth, sex: 'F', address: null });

/** Three Nguyễn born on one day (a generic dob_family key when the cap is two), one of them a Lan, and a Trần Lan born that day too. */
export const GENERIC_KEY_REGISTER: readonly MatchRecord[] = [
  toMatchRecord('C1', person('Nguyễn Thị Lan', '1990-05-02')),
  toMatchRecord('C2', person('Nguyễn Thị Hoa', '1990-05-02')),
  toMatchRecord('C3', person('Nguyễn Văn Nam', '1990-05-02')),
  toMatchRecord('C4', person('Trần Thị Lan', '1990-05-02')),
];
