import { LinkageEngine } from '../shared/linkage/engine.js';
import type { LinkageSettings } from '../shared/linkage/settings.js';
import { settingsVersion } from '../shared/linkage/settings-version.js';
import { loadTermFrequencies, PostgresCandidateSource } from '../shared/linkage-io/postgres-candidates.js';
import type { Logger } from '../shared/observability/logger.js';
import type { Pool } from '../shared/store/db.js';
import { currentOrBootstrap, currentSettingsVersion, recordSettingsVersion, settingsOfVersion } from '../shared/store/settings-versions.js';
import type { Linkage } from './linker-stage.js';

/**
 * The linkage the linker decides with: the register's current settings version, read per chunk
 * (a handful of rows), so a promotion or rollback takes effect at the next chunk without a
 * restart. The file of DANCU_LINKAGE_SETTINGS only starts the history of a register that has
 * none; once one is current, the register wins and a file that differs is said at start.
 */
export class CurrentLinkage {
  private linkage: Linkage | null = null;

  private constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
  ) {}

  static async start(pool: Pool, fileSettings: LinkageSettings, logger: Logger): Promise<CurrentLinkage> {
    // The register keeps the settings every decision names, so any decision can be explained again later.
    const fileVersion = await recordSettingsVersion(pool, fileSettings);
    const current = await currentOrBootstrap(pool, fileSettings, 'pipeline:linker');
    if (current !== fileVersion)
      logger.warn(
        { fileVersion, currentVersion: current },
        "DANCU_LINKAGE_SETTINGS differs from the register's current settings version: deciding with the register's (change it with dancu settings promote)",
      );
    const linkage = new CurrentLinkage(pool, logger);
    await linkage.now();
    return linkage;
  }

  /** The linkage of the current version, rebuilt when the version changed since the last chunk. */
  async now(): Promise<Linkage> {
    const version = await currentSettingsVersion(this.pool);
    if (this.linkage && (version === null || this.linkage.engine.settingsVersion === version)) return this.linkage;
    const settings = await settingsOfVersion(this.pool, version!);
    this.linkage = {
      engine: new LinkageEngine(settings, await loadTermFrequencies(this.pool, settings)),
      candidates: new PostgresCandidateSource(this.pool, settings),
    };
    this.logger.info({ settingsVersion: settingsVersion(settings) }, 'linkage settings in use');
    return this.linkage;
  }

  /** Name frequencies drift slowly as the register changes: re-read now and then, not per event. */
  async refreshFrequencies(): Promise<void> {
    const linkage = this.linkage;
    if (!linkage) return;
    const frequencies = await loadTermFrequencies(this.pool, linkage.engine.settings);
    if (this.linkage === linkage) this.linkage = { engine: new LinkageEngine(linkage.engine.settings, frequencies), candidates: linkage.candidates };
  }
}
