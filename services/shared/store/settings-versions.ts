import { DancuError } from '../errors.js';
import { parseSettings, type LinkageSettings } from '../linkage/settings.js';
import { currentVersionOf, type HistoryEntry } from '../linkage/settings-history.js';
import { settingsVersion } from '../linkage/settings-version.js';
import { inTransaction, type Pool, type PoolClient } from './db.js';
import { LINKAGE_SETTINGS_HISTORY } from './settings-tables.js';

/** Serialises every change of the current settings (promotions, rollbacks, a first linker's bootstrap). */
export const HISTORY_LOCK = "select pg_advisory_xact_lock(hashtext('linkage_settings_history'))";

/** Records the settings under their version, once: a linker calls it when it starts deciding with them. */
export async function recordSettingsVersion(db: Pool | PoolClient, settings: LinkageSettings): Promise<string> {
  const version = settingsVersion(settings);
  await db.query('insert into linkage_settings (version, settings) values ($1, $2) on conflict (version) do nothing', [version, JSON.stringify(settings)]);
  return version;
}

/** The settings a decision was made with, by version, as the register recorded them. */
export async function settingsOfVersion(db: Pool | PoolClient, version: string): Promise<LinkageSettings> {
  const { rows } = await db.query<{ settings: unknown }>('select settings from linkage_settings where version = $1', [version]);
  const row = rows[0];
  if (!row) throw new DancuError('SETTINGS_VERSION_UNKNOWN', `the register has no linkage settings of version ${version}`, { retriable: false });
  return parseSettings(row.settings);
}

/** The settings of a version, or null when the register does not hold it (cases from before versions were recorded). */
export async function settingsOfVersionIfKnown(db: Pool | PoolClient, version: string | null): Promise<LinkageSettings | null> {
  if (!version) return null;
  return settingsOfVersion(db, version).catch((error: unknown) => {
    if (error instanceof DancuError && error.code === 'SETTINGS_VERSION_UNKNOWN') return null;
    throw error;
  });
}

/** Every change of the current settings, oldest first (a handful of rows: read whole). */
export async function settingsHistory(db: Pool | PoolClient): Promise<HistoryEntry[]> {
  const { rows } = await db.query<HistoryEntry & { id: string; shadow_run_id: string | null; at: Date }>(
    `select ${LINKAGE_SETTINGS_HISTORY.list()} from ${LINKAGE_SETTINGS_HISTORY.name} order by id`,
  );
  return rows.map((row) => ({
    ...row,
    id: Number(row.id),
    shadow_run_id: row.shadow_run_id === null ? null : Number(row.shadow_run_id),
    at: new Date(row.at).toISOString(),
  }));
}

/** The version the register says is current, or null before any was made current. */
export async function currentSettingsVersion(db: Pool | PoolClient): Promise<string | null> {
  return currentVersionOf(await settingsHistory(db));
}

/**
 * The current settings' version, making `settings` current first when the register has none yet
 * (the first linker on a new register: its file is where the history starts).
 */
export async function currentOrBootstrap(pool: Pool, settings: LinkageSettings, actor: string): Promise<string> {
  return inTransaction(pool, async (client) => {
    await client.query(HISTORY_LOCK);
    const current = await currentSettingsVersion(client);
    if (current) return current;
    const version = await recordSettingsVersion(client, settings);
    await client.query(`insert into ${LINKAGE_SETTINGS_HISTORY.name} (action, version, actor) values ('BOOTSTRAP', $1, $2)`, [version, actor]);
    return version;
  });
}
