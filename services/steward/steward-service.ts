import type { AddressInfo } from 'node:net';
import { createKafka, connectProducer, ensureTopics } from '../shared/kafka/client.js';
import { outboxTopicSchemas, topicsFor } from '../shared/kafka/topics.js';
import type { Logger } from '../shared/observability/logger.js';
import { collectDefaultMetrics } from '../shared/observability/metrics.js';
import { SchemaRegistryClient } from '../shared/schemas/registry.js';
import type { RunningService } from '../shared/service/stage-service.js';
import { createPool, postgresCheck } from '../shared/store/db.js';
import { OutboxRelay } from '../shared/store/outbox-relay.js';
import type { StewardConfig } from './config.js';
import { buildStewardApp } from './steward-app.js';

/**
 * The steward service: the review UI and API. A decision is written with its outbox row in one
 * transaction and this service's relay publishes it on steward.decisions.v1 (the store's relay
 * would too: SKIP LOCKED lets both run), so a decision taken is never lost.
 */
export async function startSteward(config: StewardConfig, logger: Logger): Promise<RunningService> {
  collectDefaultMetrics();
  const topics = topicsFor(config.DANCU_TOPIC_NAMESPACE);
  const pool = createPool(config.DATABASE_URL, config.DANCU_STEWARD_DB_POOL_SIZE);
  const kafka = createKafka(config.DANCU_KAFKA_BROKERS, 'dancu-steward', logger);
  const registry = new SchemaRegistryClient(config.DANCU_SCHEMA_REGISTRY_URL);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, Object.values(topics));
  const schemaIds = new Map<string, number>();
  for (const [topic, record] of outboxTopicSchemas(topics)) schemaIds.set(topic, await registry.registerValueSchema(topic, record));
  const producer = await connectProducer(kafka, { idempotent: true });
  const relay = new OutboxRelay({ pool, producer, registry, schemaIds, logger: logger.child({ component: 'outbox-relay' }), batchSize: config.DANCU_OUTBOX_BATCH_SIZE, idlePollMs: config.DANCU_OUTBOX_POLL_MS });
  relay.start();
  const app = await buildStewardApp({
    pool,
    topics,
    config,
    logger: logger.child({ component: 'http' }),
    wake: () => relay.wake(),
    checks: [postgresCheck(pool), { name: 'kafka', probe: async () => void (await admin.describeCluster()) }, { name: 'schema-registry', probe: () => registry.ping() }],
  });
  await app.listen({ host: config.DANCU_HTTP_HOST, port: config.DANCU_STEWARD_HTTP_PORT });
  const port = (app.server.address() as AddressInfo).port;
  logger.info({ port }, 'steward service started');
  return {
    name: 'steward',
    httpPort: port,
    async stop() {
      await app.close();
      await relay.stop();
      await producer.disconnect();
      await admin.disconnect();
      await pool.end();
      logger.info({}, 'service stopped');
    },
  };
}
