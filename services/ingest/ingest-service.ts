import type { Logger } from '../shared/observability/logger.js';
import type { Metrics } from '../shared/observability/metrics.js';
import { SOURCE_NAMES, SOURCE_TOPICS, sourceInputTopics } from '../shared/schemas/topics.js';
import { startStageService, type RunningService } from '../shared/service/stage-service.js';
import type { IngestConfig } from './config.js';
import { createIngestStage } from './ingest-stage.js';

export async function startIngest(config: IngestConfig, logger: Logger, metrics: Metrics): Promise<RunningService> {
  return startStageService({
    name: 'ingest',
    groupId: config.DANCU_INGEST_GROUP_ID,
    config,
    logger,
    metrics,
    chunkSize: config.DANCU_INGEST_CHUNK_SIZE,
    httpPort: config.DANCU_INGEST_HTTP_PORT,
    partitionsConcurrently: config.DANCU_INGEST_PARTITIONS_CONCURRENTLY,
    inputTopics: sourceInputTopics,
    outputSchemas: (topics) => [
      [topics.observations, 'personObservation'],
      ...SOURCE_NAMES.map((source): [string, 'rejection'] => [topics[SOURCE_TOPICS[source].feedback], 'rejection']),
    ],
    makeStage: async (context) => ({ stage: createIngestStage(context, { maxEventBytes: config.DANCU_INGEST_MAX_EVENT_BYTES }) }),
  });
}
