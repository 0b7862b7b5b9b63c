import { ConfigError } from '../shared/errors.js';
import { loadSettings, type LinkageSettings } from '../shared/linkage/settings.js';
import { topicsFor } from '../shared/schemas/topics.js';
import { rollbackShadowSettings } from '../shared/linkage/settings-history.js';
import { settingsVersion } from '../shared/linkage/settings-version.js';
import { ShadowTally } from '../shared/linkage/shadow-tally.js';
import { checkComparable, type ShadowReport } from '../shared/linkage-io/shadow-run.js';
import { createPool } from '../shared/store/db.js';
import { recordSettingsChange } from '../shared/store/settings-promotion.js';
import { currentOrBootstrap, currentSettingsVersion, settingsOfVersion } from '../shared/store/settings-versions.js';

export interface BenchSettings {
  /** The version the register's linker decides with from now on: the file's. */
  version: string;
  /** What the bench did: nothing (already current), the register's first version, or a promotion from `from`. */
  made: 'ALREADY_CURRENT' | 'BOOTSTRAP' | 'PROMOTE';
  from: string | null;
}

/**
 * Makes `settings` (the file the bench's linkers start with) the register's current version, so a
 * register reused from an earlier run is measured with the committed settings and not with the
 * version current when it was loaded (a linker decides with the register's, whatever its file).
 * The streaming linker's and the pipeline's benches call it on every register they measure (loaded
 * by them, kept with BENCH_REUSE=1 or named by BENCH_REGISTER_DATABASE), `actor` naming the bench
 * in the register's history. A change is recorded as `dancu settings promote` records one (recordSettingsChange: version,
 * history, audit), after a shadow run over no observation: a bench register has no pipeline's
 * records to send back, so nothing goes to Kafka. Settings that block otherwise than the register's
 * keys are refused in one line: the register is loaded again instead.
 */
export async function makeSettingsCurrent(databaseUrl: string, settings: LinkageSettings, observationsTopic: string, actor: string): Promise<BenchSettings> {
  const pool = createPool(databaseUrl, 2);
  try {
    const version = settingsVersion(settings);
    const current = await currentSettingsVersion(pool);
    if (current === version) return { version, made: 'ALREADY_CURRENT', from: current };
    if (current === null) return { version: await currentOrBootstrap(pool, settings, actor), made: 'BOOTSTRAP', from: null };
    const registers = await settingsOfVersion(pool, current);
    try {
      checkComparable(registers, settings);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const { unindexed } = rollbackShadowSettings(registers, settings);
      const lacking = unindexed.length > 0 ? `keys for blocking rule(s) ${unindexed.join(', ')}` : "term-frequency counts of some of the settings' features";
      throw new ConfigError(
        `the register ${new URL(databaseUrl).pathname.slice(1)} was loaded for settings ${current} and has no ${lacking} of ${version}: load it again (dancu load-population, or the bench without BENCH_REUSE=1)`,
      );
    }
    // What a shadow run over no observation reports, without reading the register's term frequencies for it.
    const report: ShadowReport = { currentVersion: current, candidateVersion: version, available: 0, ...new ShadowTally(0).summary(), seconds: 0 };
    await recordSettingsChange(pool, { action: 'PROMOTE', settings, from: current, actor, report, relinks: [], observationsTopic });
    return { version, made: 'PROMOTE', from: current };
  } finally {
    await pool.end();
  }
}

/**
 * Makes the settings file current on a register loaded beforehand and returns the line the bench
 * prints. Nothing is sent back on the topic named: a bench's register has no pipeline records.
 */
export async function settingsMadeCurrent(databaseUrl: string, settingsFile: string, actor: string): Promise<string> {
  return benchSettingsLine(await makeSettingsCurrent(databaseUrl, loadSettings(settingsFile), topicsFor('').observations, actor));
}

/** The line the bench prints: which settings its register steps measure, and how they became current. */
export function benchSettingsLine(settings: BenchSettings): string {
  const how = { ALREADY_CURRENT: 'already current', BOOTSTRAP: "the register's first version", PROMOTE: `promoted by the bench from ${settings.from ?? '?'}` }[
    settings.made
  ];
  return `settings: version ${settings.version} (${how})`;
}
