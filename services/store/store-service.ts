import { storeOutboxSchemas } from '../shared/schemas/topics.js';
import { loadSettings, type LinkageSettings } from '../shared/linkage/settings.js';
import type { Logger } from '../shared/observability/logger.js';
import type { Metrics } from '../shared/observability/metrics.js';
import { startStageService, type RunningService } from '../shared/service/stage-service.js';
import { createPool, postgresCheck, type Pool } from '../shared/store/db.js';
import { CitizenChangesPruner } from '../shared/store/citizen-changes.js';
import { OutboxRelay } from '../shared/store/outbox-relay.js';
import { OutboxPruner } from '../shared/store/outbox-retention.js';
import { chunkSizeWithinLockTable, locksPerDecision, POSTGRES_DEFAULTS, readLockTableSettings } from '../shared/store/lock-table.js';
import { DEFAULT_MAX_RECORDS_PER_TRANSACTION, reexaminationBoundFor } from '../shared/store/plan/reexamination.js';
import { loadSurvivorship } from '../shared/register/survivorship.js';
import type { StoreConfig } from './config.js';
import { createStoreStage } from './store-stage.js';

/** How often the citizens' change notes (citizen-changes.ts) and the published outbox rows (outbox-retention.ts) are pruned: each samples its position then. */
const PRUNE_EVERY_MS = 60_000;

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Logged when the server's lock table holds fewer decisions a chunk than configured (README names it). */
const CHUNK_SIZE_LOWERED =
  "chunk size lowered to fit the server's lock table: raise max_locks_per_transaction, or lower DANCU_STORE_CHUNK_SIZE or DANCU_STORE_PARTITIONS_CONCURRENTLY";

/** The store service: applies the linker's and the stewards' decisions, and relays the outbox to population.updates.v1. */
export async function startStore(config: StoreConfig, logger: Logger, metrics: Metrics): Promise<RunningService> {
  const pool = createPool(config.DATABASE_URL, config.DANCU_STORE_DB_POOL_SIZE);
  const settings = loadSettings(config.DANCU_LINKAGE_SETTINGS);
  const chunkSize = await chunkSizeForServer(pool, config, settings, logger);
  return startStageService({
    name: 'store',
    groupId: config.DANCU_STORE_GROUP_ID,
    config,
    logger,
    metrics,
    chunkSize,
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
            settings,
            survivorship: loadSurvivorship(config.DANCU_SURVIVORSHIP_RULES),
            maxRecordsPerTransaction: {
              chunk: config.DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_TRANSACTION ?? reexaminationBoundFor(chunkSize),
              stewardDecision: config.DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_TRANSACTION ?? DEFAULT_MAX_RECORDS_PER_TRANSACTION,
            },
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

/**
 * The configured chunk size, or fewer decisions if their locks would not fit in the server's lock
 * table (lock-table.ts). A server that cannot be asked here (it went away after the start's
 * checks) is taken to have PostgreSQL's defaults: a smaller chunk until the next start, rather
 * than chunks the server may not hold.
 */
async function chunkSizeForServer(pool: Pool, config: StoreConfig, settings: LinkageSettings, logger: Logger): Promise<number> {
  const configured = config.DANCU_STORE_CHUNK_SIZE;
  const table = await readLockTableSettings(pool).catch((error: unknown) => {
    logger.warn({ err: errorMessage(error) }, "lock table settings not read: PostgreSQL's defaults assumed");
    return POSTGRES_DEFAULTS;
  });
  const fit = chunkSizeWithinLockTable({
    configured,
    partitions: config.DANCU_STORE_PARTITIONS_CONCURRENTLY,
    perDecision: locksPerDecision(settings),
    table,
  });
  if (fit.lowered)
    logger.warn(
      {
        configured,
        chunkSize: fit.chunkSize,
        maxLocksPerTransaction: table.maxLocksPerTransaction,
        maxLocksPerTransactionNeeded: fit.maxLocksPerTransactionNeeded,
      },
      CHUNK_SIZE_LOWERED,
    );
  return fit.chunkSize;
}
