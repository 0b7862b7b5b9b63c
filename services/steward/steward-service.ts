import type { AddressInfo } from 'node:net';
import { stewardOutboxSchemas } from '../shared/schemas/topics.js';
import type { Logger } from '../shared/observability/logger.js';
import { collectProcessMetrics, type Metrics } from '../shared/observability/metrics.js';
import { wireKafka } from '../shared/service/kafka-wiring.js';
import type { RunningService } from '../shared/service/stage-service.js';
import { createPool, observeRunsAgain, postgresCheck } from '../shared/store/db.js';
import { OutboxRelay } from '../shared/store/outbox-relay.js';
import type { StewardConfig } from './config.js';
import { buildManagementApp, buildStewardApp } from './steward-app.js';

/**
 * The steward service: the review UI and API. A decision is written with its outbox row in one
 * transaction and this service's relay publishes it on steward.decisions.v1 (the store's relay
 * publishes only the store's rows: the steward service alone may write that topic), so a
 * decision taken is never lost: one a stopped service did not relay goes when it starts again.
 */
export async function startSteward(config: StewardConfig, logger: Logger, metrics: Metrics): Promise<RunningService> {
  collectProcessMetrics(metrics);
  const pool = createPool(config.DATABASE_URL, config.DANCU_STEWARD_DB_POOL_SIZE);
  const transactions = logger.child({ component: 'transactions' });
  observeRunsAgain(pool, ({ sqlstate, attempt }) => {
    metrics.transactionsRunAgain.inc({ sqlstate });
    transactions.warn({ sqlstate, attempt }, 'transaction aborted for a concurrent one; running it again');
  });
  const { kafka, producer, registry, topics, schemaIds } = await wireKafka({
    config,
    clientId: 'dancu-steward',
    logger,
    outputSchemas: stewardOutboxSchemas,
  });
  // Kept connected for the readiness probe.
  const admin = kafka.admin();
  await admin.connect();
  const relay = new OutboxRelay({
    pool,
    producer,
    registry,
    schemaIds,
    deadLetterTopic: topics.deadLetters,
    logger: logger.child({ component: 'outbox-relay' }),
    batchSize: config.DANCU_OUTBOX_BATCH_SIZE,
    idlePollMs: config.DANCU_OUTBOX_POLL_MS,
  });
  relay.start();
  const app = await buildStewardApp({
    pool,
    topics,
    config,
    logger: logger.child({ component: 'http' }),
    metrics,
    wake: () => relay.wake(),
  });
  const management = await buildManagementApp({
    logger: logger.child({ component: 'management-http' }),
    metrics,
    checks: [
      postgresCheck(pool),
      { name: 'kafka', probe: async () => void (await admin.describeCluster()) },
      { name: 'schema-registry', probe: () => registry.ping() },
    ],
  });
  await app.listen({ host: config.DANCU_HTTP_HOST, port: config.DANCU_STEWARD_HTTP_PORT });
  await management.listen({ host: config.DANCU_HTTP_HOST, port: config.DANCU_STEWARD_MANAGEMENT_HTTP_PORT });
  const port = (app.server.address() as AddressInfo).port;
  const managementPort = (management.server.address() as AddressInfo).port;
  logger.info({ port, managementPort }, 'steward service started');
  return {
    name: 'steward',
    httpPort: port,
    managementPort,
    async stop() {
      await app.close();
      await management.close();
      await relay.stop();
      await producer.disconnect();
      await admin.disconnect();
      await pool.end();
      logger.info({}, 'service stopped');
    },
  };
}
