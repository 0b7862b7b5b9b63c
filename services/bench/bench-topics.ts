/**
 * A benchmark's own Kafka topics: a namespace of its own, every topic created, an admin connected
 * and a registry client, so that runs never share topics with each other or with a demo.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { loadConfig as loadCliConfig } from '../cli/config.js';
import { createKafka, ensureTopics, kafkaConnection } from '../shared/kafka/client.js';
import { SchemaRegistryClient } from '../shared/kafka/registry.js';
import type { Logger } from '../shared/observability/logger.js';
import { topicsFor, type Topics } from '../shared/schemas/topics.js';

export interface BenchTopics {
  topics: Topics;
  kafka: Kafka;
  admin: Admin;
  registry: SchemaRegistryClient;
}

export async function benchTopics(cli: ReturnType<typeof loadCliConfig>, namespace: string, clientId: string, logger: Logger): Promise<BenchTopics> {
  const topics = topicsFor(namespace);
  const kafka = createKafka(kafkaConnection(cli), clientId, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, Object.values(topics));
  return { topics, kafka, admin, registry: new SchemaRegistryClient(cli.DANCU_SCHEMA_REGISTRY_URL) };
}
