import type { NormalisedPerson, PartialDate } from '../schemas/records.js';

/** A citizen as the register holds it: the current values that linkage, survivorship and the CLI read (store/citizens-table.ts maps it to its columns). */
export interface CitizenRow {
  readonly citizen_id: string;
  readonly personal_id: string | null;
  readonly full_name: string;
  readonly name_key: string;
  readonly family_name: string;
  readonly middle_name: string;
  readonly given_name: string;
  readonly date_of_birth: string | null;
  readonly dob_precision: PartialDate['precision'] | null;
  readonly sex: 'MALE' | 'FEMALE' | null;
  readonly address: string | null;
  readonly place_of_birth: string | null;
  readonly ethnicity: string | null;
  readonly marital_status: string | null;
  readonly date_of_death: string | null;
  readonly dod_precision: PartialDate['precision'] | null;
  readonly status: 'ALIVE' | 'DECEASED' | 'MERGED';
}

/**
 * What a citizen's match record is made from (linkage's features): a candidate lookup reads no
 * more. `address_features`: the address's features as stored (linkage/stored-address-features.ts),
 * null where none were written or the address changed since.
 */
export type CitizenMatchRow = Pick<CitizenRow, 'citizen_id' | 'personal_id' | 'name_key' | 'date_of_birth' | 'dob_precision' | 'sex' | 'address'> & {
  readonly address_features: string | null;
};

export function citizenDateOfBirth(row: Pick<CitizenRow, 'date_of_birth' | 'dob_precision'>): PartialDate | null {
  return row.date_of_birth && row.dob_precision ? { value: row.date_of_birth, precision: row.dob_precision } : null;
}

/** The fields of a citizen's match record in the shape of a normalised person's (linkage/match-record.ts MatchedFields). */
export function citizenMatchFields(row: CitizenMatchRow): Pick<NormalisedPerson, 'personal_id' | 'name_key' | 'date_of_birth' | 'sex' | 'address'> {
  return { personal_id: row.personal_id, name_key: row.name_key, date_of_birth: citizenDateOfBirth(row), sex: row.sex, address: row.address };
}

/** The citizen's fields in the shape of a normalised person, so one comparison code serves both. */
export function citizenAsPerson(row: CitizenRow): NormalisedPerson {
  return {
    personal_id: row.personal_id,
    legacy_id: null,
    full_name: row.full_name,
    name_key: row.name_key,
    family_name: row.family_name,
    middle_name: row.middle_name,
    given_name: row.given_name,
    date_of_birth: citizenDateOfBirth(row),
    sex: row.sex,
    address: row.address,
  };
}
