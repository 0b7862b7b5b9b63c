import { datesCompatible } from '../normalise/date.js';
import { normaliseName } from '../normalise/name.js';
import { foldToAscii } from '../normalise/text.js';
import { RULES } from '../quality/rules.js';
import type { DatePrecision, Finding, PartialDate, PersonObservation } from '../schemas/records.js';
import { CIVIL_STATUS_SOURCE } from '../sources/civil-status.js';
import type { CitizenRow } from './citizen-row.js';
import { FIELD_RIGHTS, type ProvenanceRule, type RegisterField } from './source-rights.js';

/** A value an observation proposes for a register field (a date with its precision). */
export interface Proposal {
  value: string;
  precision?: DatePrecision;
}

export interface PlannedChange {
  field: RegisterField;
  oldValue: string | null;
  newValue: string;
  precision?: DatePrecision;
  rule: ProvenanceRule;
}

const PRECISION_RANK: Record<DatePrecision, number> = { YEAR: 0, MONTH: 1, DAY: 2 };

/** What an observation says about each register field, by what kind of event it is. */
export function proposals(observation: PersonObservation): Partial<Record<RegisterField, Proposal>> {
  const p = observation.person;
  const a = observation.attributes;
  const personFields: Partial<Record<RegisterField, Proposal>> = { full_name: { value: p.full_name } };
  if (p.date_of_birth) personFields.date_of_birth = { value: p.date_of_birth.value, precision: p.date_of_birth.precision };
  if (p.sex) personFields.sex = { value: p.sex };
  if (p.address) personFields.address = { value: p.address };
  if (observation.source !== CIVIL_STATUS_SOURCE) return personFields;

  switch (observation.event_type) {
    case 'DEATH_REGISTRATION':
      return observation.date_of_death ? { date_of_death: { value: observation.date_of_death.value, precision: observation.date_of_death.precision } } : {};
    case 'MARRIAGE_REGISTRATION':
      return a.marital_status ? { marital_status: { value: a.marital_status } } : {};
    case 'CHANGE_REGISTRATION': {
      const field = a.changed_field as RegisterField | undefined;
      if (!field || !a.new_value || !(field in FIELD_RIGHTS)) return {};
      return { [field]: { value: a.new_value, precision: a.new_value_precision as DatePrecision | undefined } };
    }
    default:
      return {
        ...personFields,
        ...(a.place_of_birth ? { place_of_birth: { value: a.place_of_birth } } : {}),
        ...(a.ethnicity ? { ethnicity: { value: a.ethnicity } } : {}),
      };
  }
}

function currentValue(citizen: CitizenRow, field: RegisterField): { value: string | null; precision: DatePrecision | null } {
  if (field === 'date_of_birth') return { value: citizen.date_of_birth, precision: citizen.dob_precision };
  if (field === 'date_of_death') return { value: citizen.date_of_death, precision: citizen.dod_precision };
  return { value: citizen[field], precision: null };
}

/** The same value as the register holds, as far as the field's meaning goes (a name ignoring diacritics and case is not the same). */
function sameValue(field: RegisterField, current: string, proposed: Proposal): boolean {
  return field === 'full_name' ? current === (normaliseName(proposed.value)?.full_name ?? proposed.value) : current === proposed.value;
}

/** An empty field, or a date the register knows less precisely than the proposal and that the proposal agrees with. */
function isGap(field: RegisterField, current: { value: string | null; precision: DatePrecision | null }, proposed: Proposal): boolean {
  if (current.value === null) return true;
  if (field !== 'date_of_birth' || !current.precision || !proposed.precision) return false;
  const held: PartialDate = { value: current.value, precision: current.precision };
  return PRECISION_RANK[proposed.precision] > PRECISION_RANK[current.precision] && datesCompatible(held, { value: proposed.value, precision: proposed.precision });
}

/** Whether a non-authoritative value contradicts the register (not merely written differently or less precisely). */
function contradicts(field: RegisterField, current: { value: string | null; precision: DatePrecision | null }, proposed: Proposal): boolean {
  if (current.value === null) return false;
  if (field === 'full_name') return foldToAscii(current.value) !== foldToAscii(proposed.value);
  if (field === 'date_of_birth') {
    if (!current.precision || !proposed.precision) return current.value !== proposed.value;
    return !datesCompatible({ value: current.value, precision: current.precision }, { value: proposed.value, precision: proposed.precision });
  }
  return field === 'sex' && current.value !== proposed.value;
}

/** Event time (ms) of the event each register field's current value came from. */
export type FieldTimes = Partial<Record<RegisterField, number>>;

/**
 * The changes an observation makes to a citizen under FIELD_RIGHTS, and the findings where a
 * source that may not overwrite a field disagrees with it. An authoritative value from an event
 * older than the one the register's value came from (a late registration, a redelivery from
 * long ago) does not replace it: it is `stale`, for the history only. Pure: the store applies it.
 */
export function planChanges(citizen: CitizenRow, observation: PersonObservation, fieldTimes: FieldTimes = {}): { changes: PlannedChange[]; findings: Finding[]; stale: PlannedChange[] } {
  const changes: PlannedChange[] = [];
  const findings: Finding[] = [];
  const stale: PlannedChange[] = [];
  for (const [field, proposed] of Object.entries(proposals(observation)) as [RegisterField, Proposal][]) {
    const current = currentValue(citizen, field);
    if (current.value !== null && sameValue(field, current.value, proposed) && (current.precision ?? undefined) === proposed.precision) continue;
    const right = FIELD_RIGHTS[field];
    const change = { field, oldValue: current.value, newValue: proposed.value, precision: proposed.precision };
    if (right.authoritative.some((source) => source === observation.source)) {
      const currentSince = fieldTimes[field];
      if (current.value !== null && currentSince !== undefined && currentSince > observation.event_time) stale.push({ ...change, rule: 'older-than-current' });
      else changes.push({ ...change, rule: 'authoritative-source' });
    } else if (right.others === 'fill-empty' && isGap(field, current, proposed)) {
      changes.push({ ...change, rule: 'fills-empty-field' });
    } else if (contradicts(field, current, proposed)) {
      findings.push({ code: 'SOURCE_DISAGREES_WITH_REGISTER', field: `person.${field}`, message: RULES.SOURCE_DISAGREES_WITH_REGISTER.description });
    }
  }
  return { changes, findings, stale };
}
