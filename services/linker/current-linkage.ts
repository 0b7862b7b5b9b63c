import { dayInVietnam } from '../shared/linkage/age-prior.js';
import { LinkageEngine } from '../shared/linkage/engine.js';
import { GenericLookupMeter } from '../shared/linkage/generic-lookup-meter.js';
import type { LinkageSettings } from '../shared/linkage/settings.js';
import { settingsVersion } from '../shared/linkage/settings-version.js';
import { isRegisterOutgrown, LiveRegister } from '../shared/linkage-io/live-register.js';
import { loadTermFrequencies, PostgresCandidateSource } from '../shared/linkage-io/postgres-candidates.js';
import type { CandidateSource } from '../shared/linkage/candidate-source.js';
import type { Logger } from '../shared/observability/logger.js';
import type { Metrics } from '../shared/observability/metrics.js';
import type { Pool } from '../shared/store/db.js';
import { currentOrBootstrap, currentSettingsVersion, recordSettingsVersion, settingsOfVersion } from '../shared/store/settings-versions.js';
import { indexedReachSettings } from '../shared/store/plan/reexamination.js';
import type { Linkage } from './chunk-decisions.js';
import { MemoryUntilOutgrown, type CopyInMemory } from './memory-until-outgrown.js';
import { CANDIDATES_OUTGROWN } from './candidates-at-start.js';
import type { CandidatesFrom } from './candidates-choice.js';

/**
 * The linkage the linker decides with: the register's current settings version, read per chunk
 * (a handful of rows), so a promotion or rollback takes effect at the next chunk without a
 * restart. The file of DANCU_LINKAGE_SETTINGS only starts the history of a register that has
 * none; once one is current, the register wins and a file that differs is said at start.
 */
export class CurrentLinkage {
  private linkage: Linkage | null = null;
  private building: Promise<Linkage> | null = null;
  /** The candidates held in memory of the linkage in use (DANCU_LINKER_CANDIDATES=memory, or auto's choice, bounded). */
  private live: CopyInMemory | null = null;

  private constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
    private candidatesFrom: CandidatesFrom,
    /** The settings file, as the store has it: the register's keys were written with its rules. */
    private readonly fileSettings: LinkageSettings,
    /** The most citizens held in memory (auto's bound; none when memory was named): past it, candidates come from PostgreSQL. */
    private readonly memoryMaxCitizens: number | undefined,
  ) {}

  static async start(
    pool: Pool,
    fileSettings: LinkageSettings,
    logger: Logger,
    metrics: Metrics,
    candidatesFrom: CandidatesFrom = 'postgres',
    memoryMaxCitizens?: number,
  ): Promise<CurrentLinkage> {
    // The register keeps the settings every decision names, so any decision can be explained again later.
    const fileVersion = await recordSettingsVersion(pool, fileSettings);
    const current = await currentOrBootstrap(pool, fileSettings, 'pipeline:linker');
    if (current !== fileVersion)
      logger.warn(
        { fileVersion, currentVersion: current },
        "DANCU_LINKAGE_SETTINGS differs from the register's current settings version: deciding with the register's (change it with dancu settings promote)",
      );
    const linkage = new CurrentLinkage(pool, logger, metrics, candidatesFrom, fileSettings, memoryMaxCitizens);
    await linkage.now();
    return linkage;
  }

  /** The linkage of the current version, rebuilt when the version changed since the last chunk. */
  async now(): Promise<Linkage> {
    const version = await currentSettingsVersion(this.pool);
    if (this.linkage && (version === null || this.linkage.engine.settingsVersion === version)) return this.linkage;
    // Partitions decided concurrently ask at once: one build for all (reading a register into memory takes seconds).
    this.building ??= this.build(version!).finally(() => {
      this.building = null;
    });
    return this.building;
  }

  private async build(version: string): Promise<Linkage> {
    const settings = await settingsOfVersion(this.pool, version);
    this.linkage = {
      engine: new LinkageEngine(settings, await loadTermFrequencies(this.pool, settings), { asOf: dayInVietnam() }),
      candidates: this.metered(await this.candidateSource(settings), settings),
    };
    this.logger.info({ settingsVersion: settingsVersion(settings) }, 'linkage settings in use');
    return this.linkage;
  }

  /**
   * A new version's blocking rules may differ: a source in memory is read afresh for them, with
   * only the rules whose keys the register's key table holds as they would be made (as the store's
   * re-examination reach), so it finds what PostgreSQL finds.
   */
  private async candidateSource(settings: LinkageSettings): Promise<CandidateSource> {
    this.metrics.linkerCandidatesInMemory.set(this.candidatesFrom === 'memory' ? 1 : 0);
    if (this.candidatesFrom === 'postgres') return new PostgresCandidateSource(this.pool, settings);
    // The old version's copy still answers the batches that hold it, but reads nothing afresh: at most two copies while this one is read.
    this.live?.close();
    this.live = null;
    const postgres = () => new PostgresCandidateSource(this.pool, settings);
    let live: LiveRegister;
    try {
      live = await LiveRegister.load(this.pool, indexedReachSettings(settings, this.fileSettings).settings, {
        onSnapshot: (citizens, ms) => this.logger.info({ citizens, ms }, 'register read into memory for candidates'),
        onBackgroundFailure: (error) =>
          this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'register not read afresh in the background: read when needed'),
        ...(this.memoryMaxCitizens === undefined ? {} : { maxCitizens: this.memoryMaxCitizens }),
      });
    } catch (error) {
      if (!isRegisterOutgrown(error)) throw error;
      this.outgrown(null, error);
      return postgres();
    }
    if (this.memoryMaxCitizens === undefined) return (this.live = live);
    const bounded: MemoryUntilOutgrown = new MemoryUntilOutgrown(live, postgres, (error) => this.outgrown(bounded, error));
    return (this.live = bounded);
  }

  /**
   * The register passed the bound auto held it in memory under: PostgreSQL's candidates from now
   * on, for every later version too. A copy an older version held leaves the current one alone.
   */
  private outgrown(copy: CopyInMemory | null, error: unknown): void {
    this.candidatesFrom = 'postgres';
    this.metrics.linkerCandidatesInMemory.set(0);
    if (copy === null || this.live === copy) this.live = null;
    this.logger.warn({ maxCitizens: this.memoryMaxCitizens, err: error instanceof Error ? error.message : String(error) }, CANDIDATES_OUTGROWN);
  }

  /**
   * Brings candidates held in memory up to date with the register while no batch comes (nothing to
   * do with PostgreSQL's): an idle linker's notes would otherwise be pruned from under it, and its
   * first batch after a quiet quarter of an hour would wait for the whole register to be read.
   */
  async keepCandidatesCurrent(): Promise<void> {
    await this.live?.catchUp();
  }

  /**
   * The source with its generic lookups counted per rule. Each capped rule's count is exported
   * from the start, at 0 until a key of it is generic, so a rate over it is defined at once.
   */
  private metered(source: CandidateSource, settings: LinkageSettings): GenericLookupMeter {
    const counter = this.metrics.genericLookupsSkipped;
    for (const rule of settings.blocking_rules) if (rule.max_block_size !== undefined) counter.inc({ rule: rule.name }, 0);
    return new GenericLookupMeter(source, (rule, lookups) => counter.inc({ rule }, lookups));
  }

  /** Name frequencies drift slowly as the register changes: re-read now and then, not per event. */
  async refreshFrequencies(): Promise<void> {
    const linkage = this.linkage;
    if (!linkage) return;
    const frequencies = await loadTermFrequencies(this.pool, linkage.engine.settings);
    if (this.linkage === linkage)
      this.linkage = { engine: new LinkageEngine(linkage.engine.settings, frequencies, { asOf: dayInVietnam() }), candidates: linkage.candidates };
  }
}
