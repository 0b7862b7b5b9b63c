import type { Kafka } from 'kafkajs';
import type { CommonConfig } from '../config/common.js';
import { connectServiceProducer, createKafka, ensureTopics, kafkaConnection, type DancuProducer } from '../kafka/client.js';
import { topicsFor, type Topics } from '../schemas/topics.js';
import type { Logger } from '../observability/logger.js';
import type { RecordTypeKey } from '../schemas/avro-files.js';
import { SchemaRegistryClient } from '../kafka/registry.js';

export interface KafkaWiring {
  kafka: Kafka;
  producer: DancuProducer;
  registry: SchemaRegistryClient;
  topics: Topics;
  /** Value schema id per topic the service writes. */
  schemaIds: Map<string, number>;
}

/**
 * What every service that publishes does first: the topics it reads and writes exist, the
 * schemas it writes are registered, and a producer is connected. Only its own topics: on a
 * secure broker a service sees no other, and only the administrator creates them.
 */
export async function wireKafka(options: {
  config: CommonConfig;
  clientId: string;
  logger: Logger;
  outputSchemas: (topics: Topics) => [topic: string, record: RecordTypeKey][];
  inputTopics?: (topics: Topics) => string[];
}): Promise<KafkaWiring> {
  const { config } = options;
  const topics = topicsFor(config.DANCU_TOPIC_NAMESPACE);
  const connection = kafkaConnection(config);
  const kafka = createKafka(connection, options.clientId, options.logger);
  const registry = new SchemaRegistryClient(config.DANCU_SCHEMA_REGISTRY_URL);
  const admin = kafka.admin();
  await admin.connect();
  const own = [...(options.inputTopics?.(topics) ?? []), ...options.outputSchemas(topics).map(([topic]) => topic), topics.deadLetters];
  await ensureTopics(admin, [...new Set(own)]);
  await admin.disconnect();
  const schemaIds = new Map<string, number>();
  for (const [topic, record] of options.outputSchemas(topics)) schemaIds.set(topic, await registry.registerValueSchema(topic, record));
  const producer = await connectServiceProducer({
    client: config.DANCU_KAFKA_CLIENT,
    kafka,
    connection,
    clientId: options.clientId,
    metadataMaxAgeMs: config.DANCU_KAFKA_METADATA_MAX_AGE_MS,
  });
  return { kafka, producer, registry, topics, schemaIds };
}
