import { z } from 'zod';
import { earliestDay, latestDay, parsePartialDate } from '../normalise/date.js';
import { normaliseName } from '../normalise/name.js';
import { parseSex } from '../normalise/sex.js';
import { cleanText } from '../normalise/text.js';
import type { RuleReport } from '../quality/rule-report.js';
import type { CivilStatusEvent, NormalisedPerson, PartialDate } from '../schemas/records.js';
import { ageOn, beforeBirth, daysBetween, factDay } from './fact-dates.js';
import { textAttributes, type SectorFacts, type SourceAdapter } from './source-adapter.js';

export const CIVIL_STATUS_SOURCE = 'civil-status';

/** Law on Civil Status 2014: a birth is registered within 60 days, a death within 15. */
export const REGISTRATION_DEADLINE_DAYS = { BIRTH_REGISTRATION: 60, DEATH_REGISTRATION: 15 } as const;

/** Law on Marriage and Family 2014, art. 8: men from 20, women from 18. */
const MARRIAGE_AGE = { MALE: 20, FEMALE: 18 } as const;

const optionalText = z.string().nullable();

type Check = (event: CivilStatusEvent, person: NormalisedPerson | null, report: RuleReport, today: string) => SectorFacts;

const BLOCK_OF: Record<CivilStatusEvent['event_type'], 'birth' | 'death' | 'marriage' | 'change'> = {
  BIRTH_REGISTRATION: 'birth',
  DEATH_REGISTRATION: 'death',
  MARRIAGE_REGISTRATION: 'marriage',
  CHANGE_REGISTRATION: 'change',
};

/** The registration date: a day, not in the future, not before what it registers; late registrations are findings. */
function checkRegistration(event: CivilStatusEvent, eventDay: string | null, report: RuleReport, today: string): void {
  if (event.registration_date === null || event.registration_date.trim() === '') return;
  const registered = factDay(event.registration_date, report, 'REGISTRATION_DATE_INVALID', 'registration_date', today);
  if (registered === null || eventDay === null) return;
  if (registered < eventDay) {
    report.flag('REGISTRATION_DATE_INVALID', 'registration_date', 'the registration is dated before the event it registers');
    return;
  }
  const late = daysBetween(eventDay, registered);
  if (event.event_type === 'BIRTH_REGISTRATION' && late > REGISTRATION_DEADLINE_DAYS.BIRTH_REGISTRATION) {
    report.flag('BIRTH_REGISTERED_LATE', 'registration_date', `registered ${late} days after the birth (deadline 60)`);
  }
  if (event.event_type === 'DEATH_REGISTRATION' && late > REGISTRATION_DEADLINE_DAYS.DEATH_REGISTRATION) {
    report.flag('DEATH_REGISTERED_LATE', 'registration_date', `registered ${late} days after the death (deadline 15)`);
  }
}

const checkBirth: Check = (event, person, report, today) => {
  if (person && person.date_of_birth?.precision !== 'DAY') report.flag('BIRTH_DATE_REQUIRED', 'person.date_of_birth');
  const birthDay = person?.date_of_birth?.precision === 'DAY' ? person.date_of_birth.value : null;
  checkRegistration(event, birthDay, report, today);
  return { eventDate: birthDay, dateOfDeath: null, attributes: textAttributes({ ...(event.birth ?? {}) }) };
};

const checkDeath: Check = (event, person, report, today) => {
  let dateOfDeath: PartialDate | null = null;
  if (event.death === null) {
    report.flag('DEATH_DETAILS_REQUIRED', 'death');
  } else {
    const parsed = parsePartialDate(event.death.date_of_death);
    if (!parsed.ok) {
      report.flag('DOD_UNPARSEABLE', 'death.date_of_death', parsed.reason);
    } else if (parsed.date.value > today) {
      report.flag('DOD_IN_FUTURE', 'death.date_of_death');
    } else {
      dateOfDeath = parsed.date;
      const birth = person?.date_of_birth;
      if (birth && earliestDay(birth) > latestDay(parsed.date)) report.flag('DOD_BEFORE_DOB', 'death.date_of_death');
    }
  }
  const deathDay = dateOfDeath?.precision === 'DAY' ? dateOfDeath.value : null;
  checkRegistration(event, deathDay, report, today);
  const attributes = event.death ? textAttributes({ place_of_death: event.death.place_of_death, cause_of_death: event.death.cause }) : {};
  return { eventDate: dateOfDeath ? latestDay(dateOfDeath) : null, dateOfDeath, attributes };
};

const checkMarriage: Check = (event, person, report, today) => {
  const marriage = event.marriage ?? null;
  if (marriage === null) {
    report.flag('MARRIAGE_DETAILS_REQUIRED', 'marriage');
    return { eventDate: null, dateOfDeath: null, attributes: {} };
  }
  const day = factDay(marriage.date_of_marriage, report, 'MARRIAGE_DATE_INVALID', 'marriage.date_of_marriage', today);
  if (day !== null && beforeBirth(day, person)) report.flag('MARRIAGE_BEFORE_BIRTH', 'marriage.date_of_marriage');
  else if (day !== null && person?.date_of_birth && person.sex && ageOn(day, person.date_of_birth) < MARRIAGE_AGE[person.sex]) {
    report.flag('MARRIAGE_UNDER_AGE', 'marriage.date_of_marriage');
  }
  checkRegistration(event, day, report, today);
  return { eventDate: day, dateOfDeath: null, attributes: { ...textAttributes({ ...marriage }), marital_status: 'MARRIED' } };
};

/** A change carries the field's new value, normalised as the register holds it (the person fields identify whom it changes). */
const checkChange: Check = (event, _person, report, today) => {
  const change = event.change ?? null;
  if (change === null) {
    report.flag('CHANGE_DETAILS_REQUIRED', 'change');
    return { eventDate: null, dateOfDeath: null, attributes: {} };
  }
  let value: string | null = null;
  let precision: string | null = null;
  if (change.field === 'FULL_NAME') value = normaliseName(change.new_value)?.full_name ?? null;
  else if (change.field === 'SEX') value = parseSex(change.new_value) ?? null;
  else if (change.field === 'ETHNICITY') value = cleanText(change.new_value) || null;
  else {
    const parsed = parsePartialDate(change.new_value);
    if (parsed.ok && parsed.date.value <= today) [value, precision] = [parsed.date.value, parsed.date.precision];
  }
  if (value === null) report.flag('CHANGE_VALUE_INVALID', 'change.new_value');
  const effective = change.effective_date ? factDay(change.effective_date, report, 'REGISTRATION_DATE_INVALID', 'change.effective_date', today) : null;
  const attributes: Record<string, string> = { changed_field: change.field.toLowerCase() };
  if (value !== null) attributes.new_value = value;
  if (precision !== null) attributes.new_value_precision = precision;
  return { eventDate: effective, dateOfDeath: null, attributes };
};

const CHECKS: Record<CivilStatusEvent['event_type'], Check> = {
  BIRTH_REGISTRATION: checkBirth,
  DEATH_REGISTRATION: checkDeath,
  MARRIAGE_REGISTRATION: checkMarriage,
  CHANGE_REGISTRATION: checkChange,
};

export const civilStatusAdapter: SourceAdapter<CivilStatusEvent> = {
  source: CIVIL_STATUS_SOURCE,
  record: 'civilStatusEvent',
  eventTypes: ['BIRTH_REGISTRATION', 'DEATH_REGISTRATION', 'MARRIAGE_REGISTRATION', 'CHANGE_REGISTRATION'],
  details: {
    registration_date: optionalText,
    birth: z.object({}).passthrough().nullable(),
    death: z.object({ date_of_death: z.string() }).passthrough().nullable(),
    marriage: z.object({ date_of_marriage: z.string() }).passthrough().nullable().optional(),
    change: z
      .object({ field: z.enum(['FULL_NAME', 'SEX', 'ETHNICITY', 'DATE_OF_BIRTH']), new_value: z.string() })
      .passthrough()
      .nullable()
      .optional(),
  },
  check(event, person, report, today) {
    const own = BLOCK_OF[event.event_type];
    for (const block of ['birth', 'death', 'marriage', 'change'] as const) {
      if (block !== own && event[block] !== null && event[block] !== undefined) {
        report.flag('DETAILS_MISMATCH', block, `a ${event.event_type.toLowerCase().replace('_', ' ')} carries no ${block} details`);
      }
    }
    const facts = CHECKS[event.event_type](event, person, report, today);
    if (event.registration_date) facts.attributes.registration_date = cleanText(event.registration_date);
    return facts;
  },
};
