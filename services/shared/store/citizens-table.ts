import type { CitizenMatchRow, CitizenRow } from '../register/citizen-row.js';
import { defineTable } from './table.js';

/** `citizens`: the register, one row per citizen with its current values (migrations 001, 003, 005). */
export const CITIZENS = defineTable('citizens', {
  citizen_id: 'text',
  personal_id: 'text',
  full_name: 'text',
  name_key: 'text',
  family_name: 'text',
  middle_name: 'text',
  given_name: 'text',
  date_of_birth: 'text',
  dob_precision: 'text',
  sex: 'text',
  address: 'text',
  place_of_birth: 'text',
  ethnicity: 'text',
  marital_status: 'text',
  date_of_death: 'text',
  dod_precision: 'text',
  status: 'text',
  merged_into: 'text',
  origin: 'text',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
  version: 'integer',
  identity_changed_at: 'timestamptz',
  address_features: 'text',
});

type CitizenColumn = (typeof CITIZENS.columns)[number];

/** The columns of a `CitizenRow`, what linkage, survivorship and the CLI read (checked against the type both ways). */
export const CITIZEN_ROW_COLUMNS = [
  'citizen_id',
  'personal_id',
  'full_name',
  'name_key',
  'family_name',
  'middle_name',
  'given_name',
  'date_of_birth',
  'dob_precision',
  'sex',
  'address',
  'place_of_birth',
  'ethnicity',
  'marital_status',
  'date_of_death',
  'dod_precision',
  'status',
] as const satisfies readonly (keyof CitizenRow & CitizenColumn)[];
// A field added to CitizenRow without its column here fails to compile.
type MissingRowColumn = Exclude<keyof CitizenRow, (typeof CITIZEN_ROW_COLUMNS)[number]>;
const everyRowFieldHasItsColumn: [MissingRowColumn] extends [never] ? true : MissingRowColumn = true;
void everyRowFieldHasItsColumn;

/** What a chunk's change of a citizen rewrites: the row's values, not its identity. */
export const CITIZEN_UPDATED_COLUMNS = CITIZEN_ROW_COLUMNS.filter((column) => column !== 'citizen_id' && column !== 'personal_id');

/** What a birth registration (or a loaded register row) sets when it creates a citizen; the rest keep their defaults. */
export const CITIZEN_CREATED_COLUMNS = [
  'citizen_id',
  'personal_id',
  'full_name',
  'name_key',
  'family_name',
  'middle_name',
  'given_name',
  'date_of_birth',
  'dob_precision',
  'sex',
  'address',
  'place_of_birth',
  'ethnicity',
  'origin',
] as const satisfies readonly CitizenColumn[];

/**
 * The columns a citizen's match record is made from (register/citizen-row.ts CitizenMatchRow): a
 * candidate lookup reads only these, not the whole row. The linker reads some 30 candidate rows
 * per event, and the other columns were a tenth of its CPU in parsing and garbage. The address's
 * features come stored (migration 037), where a load or the store wrote them.
 */
export const CITIZEN_MATCH_COLUMNS = [
  'citizen_id',
  'personal_id',
  'name_key',
  'date_of_birth',
  'dob_precision',
  'sex',
  'address',
  'address_features',
] as const satisfies readonly (keyof CitizenMatchRow & CitizenColumn)[];

/** The `CitizenMatchRow` columns, qualified by `alias` for joins. */
export function citizenMatchColumns(alias?: string): string {
  return CITIZENS.list(CITIZEN_MATCH_COLUMNS, alias);
}

/** The `CitizenRow` columns, qualified by `alias` for joins. */
export function citizenRowColumns(alias?: string): string {
  return CITIZENS.list(CITIZEN_ROW_COLUMNS, alias);
}
