import { storeOutboxSchemas } from '../shared/schemas/topics.js';
import { loadSettings } from '../shared/linkage/settings.js';
import type { Logger } from '../shared/observability/logger.js';
import type { Metrics } from '../shared/observability/metrics.js';
import { startStageService, type RunningService } from '../shared/service/stage-service.js';
import { createPool, postgresCheck } from '../shared/store/db.js';
import { CitizenChangesPruner } from '../shared/store/citizen-changes.js';
import { OutboxRelay } from '../shared/store/outbox-relay.js';
import { OutboxPruner } from '../shared/store/outbox-retention.js';
import { loadSurvivorship } from '../shared/register/survivorship.js';
import type { StoreConfig } from './config.js';
import { createStoreStage } from './store-stage.js';

/** How often the citizens' change notes (citizen-changes.ts) and the published outbox rows (outbox-retention.ts) are pruned: each samples its position then. */
const PRUNE_EVERY_MS = 60_000;

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The store service: applies the linker's and the stewards' decisions, and relays the outbox to population.updates.v1. */
export async function startStore(config: StoreConfig, logger: Logger, metrics: Metrics): Promise<RunningService> {
  const pool = createPool(config.DATABASE_URL, config.DANCU_STORE_DB_POOL_SIZE);
  return startStageService({
    name: 'store',
    groupId: config.DANCU_STORE_GROUP_ID,
    config,
    logger,
    metrics,
    chunkSize: config.DANCU_STORE_CHUNK_SIZE,
    partitionsConcurrently: config.DANCU_STORE_PARTITIONS_CONCURRENTLY,
    httpPort: config.DANCU_STORE_HTTP_PORT,
    inputTopics: (topics) => [topics.decisions, topics.stewardDecisions],
    outputSchemas: storeOutboxSchemas,
    makeStage: async (context) => {
      const relay = new OutboxRelay({
        pool,
        producer: context.producer,
        registry: context.registry,
        schemaIds: context.schemaIds,
        deadLetterTopic: context.topics.deadLetters,
        logger: logger.child({ component: 'outbox-relay' }),
        batchSize: config.DANCU_OUTBOX_BATCH_SIZE,
        idlePollMs: config.DANCU_OUTBOX_POLL_MS,
      });
      relay.start();
      const changes = new CitizenChangesPruner(pool);
      const outbox = new OutboxPruner(pool, config.DANCU_OUTBOX_KEEP_PUBLISHED_HOURS * 3_600_000);
      const pruning = setInterval(() => {
        changes.prune().catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'citizen change notes not pruned'));
        outbox
          .prune()
          .then((rows) => {
            if (rows > 0) logger.info({ rows }, 'published outbox rows pruned');
          })
          .catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'published outbox rows not pruned'));
      }, PRUNE_EVERY_MS);
      pruning.unref();
      return {
        stage: createStoreStage(
          context,
          pool,
          {
            settings: loadSettings(config.DANCU_LINKAGE_SETTINGS),
            survivorship: loadSurvivorship(config.DANCU_SURVIVORSHIP_RULES),
            maxRecordsPerTransaction: config.DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_TRANSACTION,
          },
          () => relay.wake(),
        ),
        checks: [postgresCheck(pool)],
        stop: async () => {
          clearInterval(pruning);
          await relay.stop();
          await pool.end();
        },
      };
    },
  });
}
