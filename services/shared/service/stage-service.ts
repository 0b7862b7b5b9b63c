import type { Consumer, Kafka } from 'kafkajs';
import type { DancuProducer } from '../kafka/client.js';
import type { CommonConfig } from '../config/common.js';
import { runStage, type Stage } from '../kafka/stage-runner.js';
import type { Topics } from '../schemas/topics.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecordTypeKey } from '../schemas/avro-files.js';
import type { SchemaRegistryClient } from '../kafka/registry.js';
import type { ReadinessCheck } from '../observability/health.js';
import { startObservabilityServer } from '../observability/http-server.js';
import { wireKafka } from './kafka-wiring.js';

/** What a stage needs from its service: connected clients and registered schema ids. */
export interface StageContext {
  kafka: Kafka;
  producer: DancuProducer;
  registry: SchemaRegistryClient;
  topics: Topics;
  schemaIds: Map<string, number>;
  logger: Logger;
  metrics: Metrics;
}

export interface RunningService {
  name: string;
  /** Port of its /metrics, /healthz and /readyz (the steward's: of its UI and API, see managementPort). */
  httpPort: number;
  /** Port of /metrics and /readyz when they are apart from httpPort (the steward service's). */
  managementPort?: number;
  stop(): Promise<void>;
}

export interface StageServiceOptions {
  name: string;
  groupId: string;
  config: CommonConfig;
  logger: Logger;
  metrics: Metrics;
  chunkSize: number;
  partitionsConcurrently?: number;
  inputTopics: (topics: Topics) => string[];
  /** Value schemas this service writes, registered at start (TopicNameStrategy). */
  outputSchemas: (topics: Topics) => [topic: string, record: RecordTypeKey][];
  makeStage: (context: StageContext) => Promise<{ stage: Stage; stop?: () => Promise<void>; checks?: ReadinessCheck[] }>;
  httpPort: number;
}

/**
 * The wiring every consuming service shares: topics exist, schemas are registered, a producer
 * and a consumer are connected, the stage runs under the consumer loop, and stop() closes all
 * of it in order (stop consuming, let the stage finish, then disconnect).
 */
export async function startStageService(options: StageServiceOptions): Promise<RunningService> {
  const { config, logger, metrics } = options;
  const { kafka, producer, registry, topics, schemaIds } = await wireKafka({
    config,
    clientId: `dancu-${options.name}`,
    logger,
    outputSchemas: options.outputSchemas,
    inputTopics: options.inputTopics,
  });
  const {
    stage,
    stop: stopStage,
    checks = [],
  } = await options.makeStage({ kafka, producer, registry, topics, schemaIds, logger, metrics }).catch(async (error: unknown) => {
    await producer.disconnect();
    throw error;
  });
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: config.DANCU_KAFKA_SESSION_TIMEOUT_MS,
    // A tenth of the session: a member misses several heartbeats before the group gives up on it.
    heartbeatInterval: Math.floor(config.DANCU_KAFKA_SESSION_TIMEOUT_MS / 10),
    maxWaitTimeInMs: config.DANCU_KAFKA_FETCH_WAIT_MS,
    metadataMaxAge: config.DANCU_KAFKA_METADATA_MAX_AGE_MS,
    maxBytesPerPartition: 4 * 1024 * 1024,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  // Consuming: from joining the group until the consumer crashes or stops (kafkajs restarts a crashed one and it joins again).
  let consuming = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    consuming = true;
  });
  consumer.on(consumer.events.CRASH, () => {
    consuming = false;
  });
  consumer.on(consumer.events.STOP, () => {
    consuming = false;
  });
  const probeAdmin = kafka.admin();
  await probeAdmin.connect();
  const server = await startObservabilityServer({
    service: options.name,
    host: config.DANCU_HTTP_HOST,
    port: options.httpPort,
    logger,
    metrics,
    checks: [
      { name: 'kafka', probe: async () => void (await probeAdmin.describeCluster()) },
      { name: 'schema-registry', probe: () => registry.ping() },
      ...checks,
      {
        name: 'consuming',
        probe: async () => {
          if (!consuming) throw new Error('the consumer is not in its group');
        },
      },
    ],
  });
  await runStage({
    consumer,
    producer,
    topics: options.inputTopics(topics),
    deadLetterTopic: topics.deadLetters,
    stage,
    logger,
    metrics,
    chunkSize: options.chunkSize,
    partitionsConcurrently: options.partitionsConcurrently ?? 1,
    maxRetryDelayMs: 10_000,
  });
  logger.info({ groupId: options.groupId, topics: options.inputTopics(topics) }, 'service started');

  return {
    name: options.name,
    httpPort: server.port,
    async stop() {
      await consumer.disconnect();
      await stopStage?.();
      await producer.disconnect();
      await probeAdmin.disconnect();
      await server.close();
      logger.info({}, 'service stopped');
    },
  };
}
