/**
 * The prior by the record's age: the share of records about someone the register holds is not
 * the same at every age. A newborn's vaccination or birth record often comes before the birth is
 * registered, so a newborn's record is far less often about a registered person than an adult's;
 * with one prior for all, a newborn's record with a name and a date of birth is linked to the
 * registered namesake born that day. The settings' `prior_by_age` bands (rules as data, their
 * probabilities estimated as the global prior is) give such records their own prior. Pure: the
 * reference day ("as of") is given by the caller: the register's newest date of birth for a
 * register read whole (link-csv, train), the day of the decision for the pipeline.
 */
import { earliestDay } from '../normalise/date.js';
import type { MatchRecord } from './match-record.js';
import type { AgeBand } from './settings.js';

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of an ISO day (YYYY-MM-DD); NaN for anything else. */
export function dayNumber(isoDay: string): number {
  return Date.parse(`${isoDay}T00:00:00Z`) / DAY_MS;
}

/** The ISO day of a moment, in UTC: the pipeline's reference day is the day it decides on. */
export function isoDayOf(moment: Date): string {
  return moment.toISOString().slice(0, 10);
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
