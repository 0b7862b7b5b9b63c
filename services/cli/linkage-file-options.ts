import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option } from 'commander';
import { ConfigError } from '../shared/errors.js';
import { dayInVietnam, isDay } from '../shared/linkage/age-prior.js';
import { DEFAULT_SETTINGS_FILE } from '../shared/linkage/settings.js';

/** The options the offline linkage commands (link-csv, dedupe-csv, blocking report) share. */
export function settingsOption(what = 'linkage settings (comparisons, blocking rules, thresholds)'): Option {
  return new Option('--settings <file>', what).default(DEFAULT_SETTINGS_FILE);
}

export function parametersOption(from: string): Option {
  return new Option('--parameters <how>', `estimate m, u and the prior from ${from} first (no labels needed), or use the settings file's as committed`)
    .choices(['estimate', 'committed'])
    .default('estimate');
}

/** The day records' ages are counted to (the settings' prior_by_age): today in Vietnam unless given. */
export function asOfOption(): Option {
  return new Option(
    '--as-of <day>',
    "the day (YYYY-MM-DD) the records are as of: an infant's record is one whose person is under a year old then (default: today in Vietnam)",
  )
    .default(dayInVietnam(), 'today')
    .argParser((day: string) => {
      if (!isDay(day)) throw new ConfigError(`--as-of ${day} is not a day (YYYY-MM-DD)`);
      return day;
    });
}

/**
 * One line, before any work, when an output file's folder is not there or the file named is a
 * folder (either would be found only when the first row is written, or at the end).
 */
export function requireFolderOf(file: string): void {
  const folder = dirname(resolve(file));
  if (!existsSync(folder)) throw new ConfigError(`no such folder for ${file}: ${folder}`);
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new ConfigError(`${file} is a folder: name a file to write`);
}

/** One line for the first input file that is not there, or is a folder. */
export function requireFiles(files: readonly string[]): void {
  for (const file of files) {
    const stat = statSync(file, { throwIfNoEntry: false });
    if (stat === undefined) throw new ConfigError(`no such file: ${file}`);
    if (stat.isDirectory()) throw new ConfigError(`${file} is a folder: name a file`);
  }
}

/** Lookups of keys skipped as generic (held by more citizens than their rule's bound), per rule; nothing when none was. */
export function genericLine(generic: Record<string, number>): string {
  const rules = Object.entries(generic);
  if (rules.length === 0) return '';
  const total = rules.reduce((sum, [, n]) => sum + n, 0);
  return `generic keys skipped: ${total} lookups (${rules.map(([rule, n]) => `${rule} ${n}`).join(', ')})\n`;
}
