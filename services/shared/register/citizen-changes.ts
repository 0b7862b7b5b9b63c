import { normaliseName } from '../normalise/name.js';
import { foldToAscii } from '../normalise/text.js';
import { datesCompatible } from '../normalise/date.js';
import { RULES } from '../quality/rules.js';
import type { DatePrecision, Finding, PersonObservation } from '../schemas/records.js';
import { CIVIL_STATUS_SOURCE } from '../sources/civil-status.js';
import type { CitizenRow } from './citizen-row.js';
import {
  authorityRank,
  chooseValue,
  compareClaims,
  mayClaim,
  REGISTER_FIELDS,
  REGISTER_SOURCE,
  type ChoiceRule,
  type Claim,
  type RegisterField,
  type Survivorship,
} from './survivorship.js';

/** A value an observation proposes for a register field (a date with its precision). */
export interface Proposal {
  value: string;
  precision?: DatePrecision;
}

/** A field whose current value changes. */
export interface PlannedChange {
  field: RegisterField;
  oldValue: string | null;
  newValue: string;
  precision?: DatePrecision;
  rule: ChoiceRule;
}

/** A claim to add to a field's history, with whether it is now the current value and the rule that says so. */
export interface NewClaim {
  field: RegisterField;
  claim: Claim;
  isCurrent: boolean;
  rule: ChoiceRule;
}

/** Every claim already made on each field of one citizen. */
export type ClaimHistory = Partial<Record<RegisterField, readonly Claim[]>>;

export interface Plan {
  /** The observation's claims, and the register's own values the first time an event competes with them. */
  claims: NewClaim[];
  /** The surviving claim of every field the observation claimed, and the rule that chose it. */
  current: { field: RegisterField; claim: Claim; rule: ChoiceRule }[];
  changes: PlannedChange[];
  findings: Finding[];
}

function nameValue(value: string): string {
  return normaliseName(value)?.full_name ?? value;
}

/** What an observation says about each register field, by what kind of event it is. */
export function proposals(observation: PersonObservation): Partial<Record<RegisterField, Proposal>> {
  const p = observation.person;
  const a = observation.attributes;
  const personFields: Partial<Record<RegisterField, Proposal>> = { full_name: { value: nameValue(p.full_name) } };
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
      if (!field || !a.new_value || !(REGISTER_FIELDS as readonly string[]).includes(field)) return {};
      const value = field === 'full_name' ? nameValue(a.new_value) : a.new_value;
      return { [field]: { value, precision: a.new_value_precision as DatePrecision | undefined } };
    }
    default:
      return {
        ...personFields,
        ...(a.place_of_birth ? { place_of_birth: { value: a.place_of_birth } } : {}),
        ...(a.ethnicity ? { ethnicity: { value: a.ethnicity } } : {}),
      };
  }
}

export function currentValue(citizen: CitizenRow, field: RegisterField): { value: string | null; precision: DatePrecision | null } {
  if (field === 'date_of_birth') return { value: citizen.date_of_birth, precision: citizen.dob_precision };
  if (field === 'date_of_death') return { value: citizen.date_of_death, precision: citizen.dod_precision };
  return { value: citizen[field], precision: null };
}

/** A date's precision is its shape: 1990, 1990-02 or 1990-02-02. */
export function precisionOf(field: RegisterField, value: string): Claim['precision'] {
  if (field !== 'date_of_birth' && field !== 'date_of_death') return null;
  return value.length === 4 ? 'YEAR' : value.length === 7 ? 'MONTH' : 'DAY';
}

/** A claim as field_provenance keeps it (event time in epoch ms), in survivorship's terms. */
export interface ProvenanceRow {
  field: RegisterField;
  value: string;
  source: string;
  event_time: number | string;
  observation_id: string;
}

export function claimOfProvenance(row: ProvenanceRow): Claim {
  return {
    value: row.value,
    precision: precisionOf(row.field, row.value),
    source: row.source,
    eventTime: Number(row.event_time),
    observationId: row.observation_id,
  };
}

/** The register's own value as a claim, for a field no event has claimed yet. */
export function registerClaim(citizen: CitizenRow, field: RegisterField): Claim | null {
  const current = currentValue(citizen, field);
  // A citizen being created has an empty name until its first claim: emptiness is not a claim that could outrank one.
  if (current.value === null || current.value === '') return null;
  return { value: current.value, precision: current.precision, source: REGISTER_SOURCE, eventTime: 0, observationId: `register:${citizen.citizen_id}` };
}

/** Whether a lower-authority value contradicts the register (not merely written differently or less precisely). */
function contradicts(field: RegisterField, current: Claim, proposed: Claim): boolean {
  if (field === 'full_name') return foldToAscii(current.value) !== foldToAscii(proposed.value);
  if (field === 'date_of_birth') {
    if (!current.precision || !proposed.precision) return current.value !== proposed.value;
    return !datesCompatible({ value: current.value, precision: current.precision }, { value: proposed.value, precision: proposed.precision });
  }
  return field === 'sex' && current.value !== proposed.value;
}

export function sameClaim(a: Claim, b: Claim): boolean {
  return a.observationId === b.observationId && a.source === b.source && a.value === b.value;
}

/**
 * What an observation does to a citizen under the survivorship rules: every value it gives is
 * a claim kept in the field's history; the field's current value is the claim the rules choose
 * among all of them (so arrival order never matters); a lower-authority value that contradicts
 * the chosen one is a finding. Pure: the store applies the plan.
 */
export function planChanges(citizen: CitizenRow, observation: PersonObservation, history: ClaimHistory, survivorship: Survivorship): Plan {
  const plan: Plan = { claims: [], current: [], changes: [], findings: [] };
  for (const [field, proposed] of Object.entries(proposals(observation)) as [RegisterField, Proposal][]) {
    const rules = survivorship.fields[field];
    if (!mayClaim(rules, observation.source)) continue;
    const claim: Claim = {
      value: proposed.value,
      precision: proposed.precision ?? null,
      source: observation.source,
      eventTime: observation.event_time,
      observationId: observation.observation_id,
    };
    const earlier = history[field] ?? [];
    if (earlier.some((c) => sameClaim(c, claim))) continue;
    const held = currentValue(citizen, field);
    const baseline = earlier.length === 0 ? registerClaim(citizen, field) : null;
    const before = baseline ? [baseline] : earlier;
    const survivor = chooseValue(rules, before);
    // A claim of the value the register holds that the surviving claim outranks can never
    // survive (a claim outranked once stays outranked): it is not kept, and the record's link
    // and fact say the source confirmed the value. Most sector records only confirm.
    if (
      survivor &&
      claim.value === survivor.claim.value &&
      claim.precision === survivor.claim.precision &&
      compareClaims(rules, survivor.claim, claim).order > 0
    )
      continue;
    const choice = chooseValue(rules, [...before, claim])!;
    const chosenNew = sameClaim(choice.claim, claim);
    for (const added of baseline ? [baseline, claim] : [claim]) {
      const survives = sameClaim(choice.claim, added);
      plan.claims.push({ field, claim: added, isCurrent: survives, rule: survives ? choice.rule : compareClaims(rules, choice.claim, added).rule });
    }
    plan.current.push({ field, claim: choice.claim, rule: choice.rule });

    if (held.value !== choice.claim.value || held.precision !== choice.claim.precision) {
      plan.changes.push({ field, oldValue: held.value, newValue: choice.claim.value, precision: choice.claim.precision ?? undefined, rule: choice.rule });
    }
    if (!chosenNew && authorityRank(rules, claim.source) > authorityRank(rules, choice.claim.source) && contradicts(field, choice.claim, claim)) {
      plan.findings.push({ code: 'SOURCE_DISAGREES_WITH_REGISTER', field: `person.${field}`, message: RULES.SOURCE_DISAGREES_WITH_REGISTER.description });
    }
  }
  return plan;
}

/** The columns each planned change writes (a name its parts, a date its precision, a death the status). */
export function withChange(row: CitizenRow, change: PlannedChange): CitizenRow {
  switch (change.field) {
    case 'full_name': {
      const name = normaliseName(change.newValue);
      return name
        ? {
            ...row,
            full_name: name.full_name,
            name_key: name.name_key,
            family_name: name.family_name,
            middle_name: name.middle_name,
            given_name: name.given_name,
          }
        : row;
    }
    case 'date_of_birth':
      return { ...row, date_of_birth: change.newValue, dob_precision: change.precision ?? 'DAY' };
    case 'date_of_death':
      return { ...row, date_of_death: change.newValue, dod_precision: change.precision ?? 'DAY', status: 'DECEASED' };
    default:
      return { ...row, [change.field]: change.newValue };
  }
}

/** The field emptied (its last claim went away with an undone merge); a name is never empty. */
export function withoutValue(row: CitizenRow, field: RegisterField): CitizenRow {
  switch (field) {
    case 'full_name':
      return row;
    case 'date_of_birth':
      return { ...row, date_of_birth: null, dob_precision: null };
    case 'date_of_death':
      return { ...row, date_of_death: null, dod_precision: null, status: row.status === 'DECEASED' ? 'ALIVE' : row.status };
    default:
      return { ...row, [field]: null };
  }
}
