import { LinkageEngine } from '../shared/linkage/engine.js';
import { loadTermFrequencies, PostgresCandidateSource } from '../shared/linkage-io/postgres-candidates.js';
import { loadSettings } from '../shared/linkage/settings.js';
import type { Logger } from '../shared/observability/logger.js';
import type { Metrics } from '../shared/observability/metrics.js';
import { startStageService, type RunningService } from '../shared/service/stage-service.js';
import { CitizenRepository } from '../shared/store/citizen-repository.js';
import { recordSettingsVersion } from '../shared/store/settings-versions.js';
import { createPool, postgresCheck } from '../shared/store/db.js';
import type { LinkerConfig } from './config.js';
import { createLinkerStage, type Linkage } from './linker-stage.js';

export async function startLinker(config: LinkerConfig, logger: Logger, metrics: Metrics): Promise<RunningService> {
  const pool = createPool(config.DATABASE_URL, config.DANCU_LINKER_DB_POOL_SIZE);
  const settings = loadSettings(config.DANCU_LINKAGE_SETTINGS);
  const candidates = new PostgresCandidateSource(pool, settings);
  // The register keeps the settings every decision names, so any decision can be explained again later.
  const version = await recordSettingsVersion(pool, settings);
  logger.info({ settingsVersion: version }, 'linkage settings recorded');
  let linkage: Linkage = { engine: new LinkageEngine(settings, await loadTermFrequencies(pool, settings)), candidates };
  // Name frequencies drift slowly as the register changes; they are re-read now and then, not per event.
  const refresh = setInterval(() => {
    loadTermFrequencies(pool, settings).then(
      (frequencies) => {
        linkage = { engine: new LinkageEngine(settings, frequencies), candidates };
      },
      (error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'term frequencies not refreshed'),
    );
  }, config.DANCU_LINKER_TF_REFRESH_MS);
  refresh.unref();
  return startStageService({
    name: 'linker',
    groupId: config.DANCU_LINKER_GROUP_ID,
    config,
    logger,
    metrics,
    chunkSize: config.DANCU_LINKER_CHUNK_SIZE,
    httpPort: config.DANCU_LINKER_HTTP_PORT,
    partitionsConcurrently: config.DANCU_LINKER_PARTITIONS_CONCURRENTLY,
    inputTopics: (topics) => [topics.observations],
    outputSchemas: (topics) => [[topics.decisions, 'linkDecision']],
    makeStage: async (context) => ({
      stage: createLinkerStage(context, new CitizenRepository(pool), () => linkage),
      checks: [postgresCheck(pool)],
      stop: async () => {
        clearInterval(refresh);
        await pool.end();
      },
    }),
  });
}
