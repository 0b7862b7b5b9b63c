import type { DatePrecision, PartialDate } from '../schemas/records.js';

/**
 * A date read, or why it cannot be: the reason names the kind of problem and never the text or any
 * part of it (a year, a month), since the text is often a person's date of birth and reasons reach
 * CLI reports, dead-letter headers and `dancu dlq show`.
 */
export type DateParse = { ok: true; date: PartialDate; impossibleDay: boolean } | { ok: false; reason: string };

const EARLIEST_YEAR = 1850;
const LATEST_YEAR = 2200;
const NOT_A_DATE = 'not a date in a known format (yyyy-mm-dd, yyyymmdd, dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, yyyy-mm or yyyy)';
const YEAR_OUT_OF_RANGE = `the year is outside ${EARLIEST_YEAR}–${LATEST_YEAR}`;
const NO_SUCH_MONTH = 'the month is not 1 to 12';

const PATTERNS: { regex: RegExp; order: 'ymd' | 'dmy' }[] = [
  { regex: /^(\d{4})-(\d{1,2})-(\d{1,2})$/, order: 'ymd' },
  { regex: /^(\d{4})(\d{2})(\d{2})$/, order: 'ymd' },
  { regex: /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/, order: 'dmy' },
];

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A date as sectors write it (yyyy-mm-dd, yyyymmdd, dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, yyyy,
 * 00/00/yyyy, 00/mm/yyyy), kept with the precision actually known. A day that cannot exist
 * (31/04) keeps the month and says so, as old papers contain such dates.
 */
export function parsePartialDate(raw: string): DateParse {
  const text = raw.trim();
  if (/^\d{4}$/.test(text)) return yearOnly(Number(text));
  const yearMonth = /^(\d{4})-(\d{1,2})$/.exec(text);
  if (yearMonth) return build(Number(yearMonth[1]), Number(yearMonth[2]), 0);
  for (const { regex, order } of PATTERNS) {
    const match = regex.exec(text);
    if (!match) continue;
    const [a, b, c] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const [year, month, day] = order === 'ymd' ? [a, b, c] : [c, b, a];
    return build(year, month, day);
  }
  return { ok: false, reason: NOT_A_DATE };
}

function yearOnly(year: number): DateParse {
  if (year < EARLIEST_YEAR || year > LATEST_YEAR) return { ok: false, reason: YEAR_OUT_OF_RANGE };
  return { ok: true, date: { value: pad(year, 4), precision: 'YEAR' }, impossibleDay: false };
}

function build(year: number, month: number, day: number): DateParse {
  if (year < EARLIEST_YEAR || year > LATEST_YEAR) return { ok: false, reason: YEAR_OUT_OF_RANGE };
  if (month === 0) return yearOnly(year);
  if (month > 12) return { ok: false, reason: NO_SUCH_MONTH };
  const monthValue = `${pad(year, 4)}-${pad(month, 2)}`;
  if (day === 0) return { ok: true, date: { value: monthValue, precision: 'MONTH' }, impossibleDay: false };
  if (day > daysInMonth(year, month)) {
    return { ok: true, date: { value: monthValue, precision: 'MONTH' }, impossibleDay: day <= 31 };
  }
  return { ok: true, date: { value: `${monthValue}-${pad(day, 2)}`, precision: 'DAY' }, impossibleDay: false };
}

export function yearOf(date: PartialDate): number {
  return Number(date.value.slice(0, 4));
}

/** The earliest day the partial date can stand for (1990 → 1990-01-01), for ordering checks. */
export function earliestDay(date: PartialDate): string {
  const byPrecision: Record<DatePrecision, string> = { DAY: '', MONTH: '-01', YEAR: '-01-01' };
  return `${date.value}${byPrecision[date.precision]}`;
}

/** The latest day it can stand for (1990 → 1990-12-31). */
export function latestDay(date: PartialDate): string {
  if (date.precision === 'DAY') return date.value;
  if (date.precision === 'YEAR') return `${date.value}-12-31`;
  const [year, month] = date.value.split('-').map(Number);
  return `${date.value}-${pad(daysInMonth(year ?? 0, month ?? 1), 2)}`;
}

/** Whether two partial dates can be the same day (1990 and 1990-05-12 can; 1990-05 and 1990-06 cannot). */
export function datesCompatible(a: PartialDate, b: PartialDate): boolean {
  // The longer value starts with the shorter one: no prefix cut out of either (the linker asks this of many pairs).
  return a.value.length <= b.value.length ? b.value.startsWith(a.value) : a.value.startsWith(b.value);
}
