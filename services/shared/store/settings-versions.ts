import { DancuError } from '../errors.js';
import { parseSettings, type LinkageSettings } from '../linkage/settings.js';
import { settingsVersion } from '../linkage/settings-version.js';
import type { Pool } from './db.js';

/** Records the settings under their version, once: a linker calls it when it starts deciding with them. */
export async function recordSettingsVersion(pool: Pool, settings: LinkageSettings): Promise<string> {
  const version = settingsVersion(settings);
  await pool.query('insert into linkage_settings (version, settings) values ($1, $2) on conflict (version) do nothing', [version, JSON.stringify(settings)]);
  return version;
}

/** The settings a decision was made with, by version, as the register recorded them. */
export async function settingsOfVersion(pool: Pool, version: string): Promise<LinkageSettings> {
  const { rows } = await pool.query<{ settings: unknown }>('select settings from linkage_settings where version = $1', [version]);
  const row = rows[0];
  if (!row) throw new DancuError('SETTINGS_VERSION_UNKNOWN', `the register has no linkage settings of version ${version}`, { retriable: false });
  return parseSettings(row.settings);
}
