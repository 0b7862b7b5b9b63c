import type { CitizenRow } from '../../services/shared/register/citizen-row.js';

/** A citizen as the register loaded them: name, birth year, sex and place of birth, no event yet. */
export const REGISTERED_TU: CitizenRow = {
  citizen_id: '001090000001',
  personal_id: '001090000001',
  full_name: 'Hoàng Văn Tú',
  name_key: 'hoang van tu',
  family_name: 'Hoàng',
  middle_name: 'Văn',
  given_name: 'Tú',
  date_of_birth: '1990',
  dob_precision: 'YEAR',
  sex: 'MALE',
  address: null,
  place_of_birth: 'Hà Nội',
  ethnicity: null,
  marital_status: null,
  date_of_death: null,
  dod_precision: null,
  status: 'ALIVE',
};
