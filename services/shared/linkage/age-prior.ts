/**
 * The prior by the record's age: the share of records about someone the register holds is not
 * the same at every age. A newborn's vaccination or birth record often comes before the birth is
 * registered, so a newborn's record is far less often about a registered person than an adult's;
 * with one prior for all, a newborn's record with a name and a date of birth is linked to the
 * registered namesake born that day. The settings' `prior_by_age` bands (rules as data, their
 * probabilities estimated as the global one is, over the band's records) give such records their own prior.
 * Pure: the reference day ("as of") is given by the caller: the day of the decision in the
 * pipeline and a shadow run, the day a case was opened when it is scored again, link-csv's and
 * train's `--as-of` (today by default; a benchmark fixes it, so its figures do not drift).
 */
import { earliestDay } from '../normalise/date.js';
import type { MatchRecord } from './match-record.js';
import type { AgeBand } from './settings.js';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of an ISO day (YYYY-MM-DD); NaN for anything else. */
export function dayNumber(isoDay: string): number {
  return Date.parse(`${isoDay}T00:00:00Z`) / DAY_MS;
}

/** Vietnam's clocks: UTC+7 all year. */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** The day (YYYY-MM-DD) a moment falls on in Vietnam, where the records' people are born and served. */
export function dayInVietnam(moment: Date = new Date()): string {
  return new Date(moment.getTime() + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** Whether a reference day given on a command line is a real day (YYYY-MM-DD). */
export function isDay(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(dayNumber(text)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
}

/**
 * The index of the first band the record's age falls in on the reference day, or -1 (no band,
 * no date of birth, or no reference day). The age is counted from the earliest day the date of
 * birth can be (a year alone: its first of January), so a record is put in a band only when its
 * person is surely that young; one born after the reference day is in the youngest band.
 */
export function ageBandOf(bands: readonly AgeBand[], record: MatchRecord, asOfDay: number | null): number {
  if (bands.length === 0 || asOfDay === null || !record.dateOfBirth) return -1;
  const age = asOfDay - dayNumber(earliestDay(record.dateOfBirth));
  if (Number.isNaN(age)) return -1;
  return bands.findIndex((band) => age < band.under_days);
}
