import type { Logger } from '../shared/observability/logger.js';
import { startStageService, type RunningService } from '../shared/service/stage-service.js';
import { CitizenRepository } from '../shared/store/citizen-repository.js';
import { createPool } from '../shared/store/db.js';
import type { LinkerConfig } from './config.js';
import { createLinkerStage } from './linker-stage.js';

export async function startLinker(config: LinkerConfig, logger: Logger): Promise<RunningService> {
  const pool = createPool(config.DATABASE_URL, config.DANCU_LINKER_DB_POOL_SIZE);
  return startStageService({
    name: 'linker',
    groupId: config.DANCU_LINKER_GROUP_ID,
    config,
    logger,
    chunkSize: config.DANCU_LINKER_CHUNK_SIZE,
    inputTopic: (topics) => topics.observations,
    outputSchemas: (topics) => [[topics.decisions, 'linkDecision']],
    makeStage: async (context) => ({
      stage: createLinkerStage(context, new CitizenRepository(pool)),
      stop: () => pool.end(),
    }),
  });
}
