import { earliestDay, parsePartialDate } from '../normalise/date.js';
import type { RuleReport } from '../quality/rule-report.js';
import type { RuleCode } from '../quality/rules.js';
import type { NormalisedPerson, PartialDate } from '../schemas/records.js';

/** A date a sector event says something happened on; it must be a full day and not in the future. Null (flagged) otherwise. */
export function factDay(
  raw: string | null,
  report: RuleReport,
  code: RuleCode,
  path: string,
  today: string,
  options: { future?: boolean } = {},
): string | null {
  if (raw === null || raw.trim() === '') {
    report.flag(code, path, 'the date is required');
    return null;
  }
  const parsed = parsePartialDate(raw);
  if (!parsed.ok) {
    report.flag(code, path, parsed.reason);
    return null;
  }
  if (parsed.date.precision !== 'DAY') {
    report.flag(code, path, 'the date must be a full day');
    return null;
  }
  if (!options.future && parsed.date.value > today) {
    report.flag(code, path, 'the date is in the future');
    return null;
  }
  return parsed.date.value;
}

/** Whether a day is certainly before the person was born (a partial date of birth counts from its earliest day). */
export function beforeBirth(day: string, person: NormalisedPerson | null): boolean {
  const birth = person?.date_of_birth;
  return birth !== null && birth !== undefined && day < earliestDay(birth);
}

/** Completed years from a date of birth to a day, taking the earliest day a partial birth date allows (so a partial date never makes someone look younger than they may be). */
export function ageOn(day: string, birth: PartialDate): number {
  const born = earliestDay(birth);
  const years = Number(day.slice(0, 4)) - Number(born.slice(0, 4));
  return day.slice(5) < born.slice(5) ? years - 1 : years;
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
