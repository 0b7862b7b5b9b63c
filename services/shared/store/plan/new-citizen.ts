import { createHash } from 'node:crypto';
import { heldPersonalId } from '../../normalise/personal-id.js';
import type { CitizenRow } from '../../register/citizen-row.js';
import type { PersonObservation } from '../../schemas/records.js';

/** How far a registration's time may precede a decision that could not see it: a transaction registers at its start and is seen at its commit, and clocks differ. */
export const REGISTRATION_CLOCK_MARGIN_MS = 5_000;

/**
 * The personal ID a record gives a citizen it creates: its own, unless it begins with no province
 * code (a placeholder such as 000000000000, or a real ID mistyped in its first digits), which is
 * no one's and must not become anyone's, nor join two strangers who both carry it.
 */
export function ownPersonalId(observation: PersonObservation): string | null {
  return heldPersonalId(observation.person.personal_id);
}

/** Citizen id for a person a source created: the personal ID when there is one, else derived from the event, so a retry makes the same id. */
export function newCitizenId(observation: PersonObservation): string {
  return ownPersonalId(observation) ?? `DC${createHash('sha256').update(observation.observation_id).digest('hex').slice(0, 16).toUpperCase()}`;
}

/** The citizen a creating record describes, as it would be registered with the record's own values (its blocking keys find the records waiting for it). */
export function citizenOf(observation: PersonObservation): CitizenRow {
  const p = observation.person;
  return {
    citizen_id: newCitizenId(observation),
    personal_id: ownPersonalId(observation),
    full_name: p.full_name,
    name_key: p.name_key,
    family_name: p.family_name,
    middle_name: p.middle_name,
    given_name: p.given_name,
    date_of_birth: p.date_of_birth?.value ?? null,
    dob_precision: p.date_of_birth?.precision ?? null,
    sex: p.sex,
    address: p.address,
    place_of_birth: observation.attributes.place_of_birth ?? null,
    ethnicity: observation.attributes.ethnicity ?? null,
    marital_status: null,
    date_of_death: null,
    dod_precision: null,
    status: 'ALIVE',
  };
}

/** The citizen as a row with nothing known, so a creation's values are claims like any other. */
export function emptyCitizen(row: CitizenRow): CitizenRow {
  return {
    ...row,
    full_name: '',
    date_of_birth: null,
    dob_precision: null,
    sex: null,
    address: null,
    place_of_birth: null,
    ethnicity: null,
    marital_status: null,
    date_of_death: null,
    dod_precision: null,
  };
}
