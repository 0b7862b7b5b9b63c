import type { PersonObservation, SectorFact } from '../../schemas/records.js';
import { CIVIL_STATUS_SOURCE } from '../../sources/civil-status.js';
import type { CitizenRow } from '../../register/citizen-row.js';

/** Facts that cannot happen to a dead person: dated after a registered death, they are findings. */
export const LIVING_FACT_KINDS = [
  'VACCINATION',
  'BENEFIT_ENROLMENT',
  'BENEFIT_CHANGE',
  'BENEFIT_PAYMENT',
  'LICENCE_ISSUED',
  'LICENCE_RENEWED',
  'MARRIAGE_REGISTRATION',
] as const;

// Attributes the store derives or keeps elsewhere, not part of the sector's fact.
const NOT_FACT_DETAILS = new Set(['address_province_2025', 'marital_status']);

/** The sector fact an observation adds to a citizen's history; births, deaths and changes live in the fields instead. */
export function factOf(observation: PersonObservation): SectorFact | null {
  if (observation.change_type === 'DELETE') return null;
  if (observation.source === CIVIL_STATUS_SOURCE && observation.event_type !== 'MARRIAGE_REGISTRATION') return null;
  const details = Object.fromEntries(Object.entries(observation.attributes).filter(([key]) => !NOT_FACT_DETAILS.has(key)));
  return { kind: observation.event_type, date: observation.event_date, details };
}

/** A fact dated after a registered death (a partial date of death counts to its last day): only a fact surely after it. */
export function afterDeath(kind: string, date: string | null, citizen: Pick<CitizenRow, 'status' | 'date_of_death'>): boolean {
  if (citizen.status !== 'DECEASED' || !citizen.date_of_death || !date) return false;
  if (!(LIVING_FACT_KINDS as readonly string[]).includes(kind)) return false;
  return date.slice(0, citizen.date_of_death.length) > citizen.date_of_death;
}
