import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option } from 'commander';
import { ConfigError } from '../shared/errors.js';
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

/** One line, before any work, when an output file's folder is not there (it would be found only at the first row written). */
export function requireFolderOf(file: string): void {
  const folder = dirname(resolve(file));
  if (!existsSync(folder)) throw new ConfigError(`no such folder for ${file}: ${folder}`);
}

/** One line for the first input file that is not there. */
export function requireFiles(files: readonly string[]): void {
  for (const file of files) if (!existsSync(file)) throw new ConfigError(`no such file: ${file}`);
}
