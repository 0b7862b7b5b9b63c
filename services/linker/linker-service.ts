import { loadSettings } from '../shared/linkage/settings.js';
import type { Logger } from '../shared/observability/logger.js';
import type { Metrics } from '../shared/observability/metrics.js';
import { startStageService, type RunningService } from '../shared/service/stage-service.js';
import { CitizenRepository } from '../shared/store/citizen-repository.js';
import { sentBackBySettings } from '../shared/store/settings-relinks.js';
import { createPool, postgresCheck } from '../shared/store/db.js';
import type { LinkerConfig } from './config.js';
import { CurrentLinkage } from './current-linkage.js';
import { createLinkerStage } from './linker-stage.js';
import { candidatesAtStart } from './candidates-at-start.js';

/** How often candidates held in memory read the register's changes when no batch asks: well within the quarter of an hour notes are kept (CHANGES_KEPT_MS). */
const KEEP_CURRENT_EVERY_MS = 60_000;

export async function startLinker(config: LinkerConfig, logger: Logger, metrics: Metrics): Promise<RunningService> {
  const pool = createPool(config.DATABASE_URL, config.DANCU_LINKER_DB_POOL_SIZE);
  const candidates = await candidatesAtStart(pool, config);
  logger.info(candidates, 'candidate source chosen');
  const linkage = await CurrentLinkage.start(
    pool,
    loadSettings(config.DANCU_LINKAGE_SETTINGS),
    logger,
    metrics,
    candidates.from,
    candidates.requested === 'auto' ? candidates.maxCitizens : undefined,
  );
  const refresh = setInterval(() => {
    linkage
      .refreshFrequencies()
      .catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'term frequencies not refreshed'));
  }, config.DANCU_LINKER_TF_REFRESH_MS);
  refresh.unref();
  const current = setInterval(() => {
    linkage
      .keepCandidatesCurrent()
      .catch((error: unknown) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'candidates in memory not brought up to date'));
  }, KEEP_CURRENT_EVERY_MS);
  current.unref();
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
      stage: createLinkerStage(
        context,
        new CitizenRepository(pool),
        () => linkage.now(),
        (observations) => sentBackBySettings(pool, observations),
      ),
      checks: [postgresCheck(pool)],
      stop: async () => {
        clearInterval(refresh);
        clearInterval(current);
        await pool.end();
      },
    }),
  });
}
