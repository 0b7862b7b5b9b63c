import type { Logger } from '../shared/observability/logger.js';
import { startStageService, type RunningService } from '../shared/service/stage-service.js';
import type { IngestConfig } from './config.js';
import { createIngestStage } from './ingest-stage.js';

export async function startIngest(config: IngestConfig, logger: Logger): Promise<RunningService> {
  return startStageService({
    name: 'ingest',
    groupId: config.DANCU_INGEST_GROUP_ID,
    config,
    logger,
    chunkSize: config.DANCU_INGEST_CHUNK_SIZE,
    partitionsConcurrently: config.DANCU_INGEST_PARTITIONS_CONCURRENTLY,
    inputTopic: (topics) => topics.civilStatus,
    outputSchemas: (topics) => [[topics.observations, 'personObservation']],
    makeStage: async (context) => ({ stage: createIngestStage(context) }),
  });
}
