import { Kafka, logLevel, Partitioners, type Admin, type ITopicConfig, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from '../observability/logger.js';

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logging through the service's pino logger, with fixed messages and data in fields. */
function kafkaLogCreator(logger: Logger) {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...fields } = log;
      child[LEVEL_NAMES[level] ?? 'info']({ ...fields, kafkaMessage: message }, 'kafkajs');
    };
}

export function createKafka(brokers: string[], clientId: string, logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    retry: { initialRetryTime: 200, retries: 10 },
  });
}

/**
 * A producer whose awaited sends are durable (the callers send with acks -1), partitioning keys
 * as the Java client does (murmur2), so other tools agree on which partition a key is in.
 * `idempotent` makes the broker drop the copies a retried send would otherwise write (one
 * request in flight): for publishers, whose topic counts people read. The pipeline's own
 * producers need not pay for it, as every event downstream carries a stable id.
 */
export async function connectProducer(kafka: Kafka, options: { idempotent?: boolean } = {}): Promise<Producer> {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(options.idempotent ? { idempotent: true, maxInFlightRequests: 1 } : { maxInFlightRequests: 5 }),
  });
  await producer.connect();
  return producer;
}

export const DEFAULT_PARTITIONS = 3;

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: string[], partitions = DEFAULT_PARTITIONS): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing: ITopicConfig[] = topics.filter((topic) => !existing.has(topic)).map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 }));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (error) {
    // Another service may create the same topic at the same moment; only a topic still missing is a failure.
    const now = new Set(await admin.listTopics());
    if (missing.some(({ topic }) => !now.has(topic))) throw error;
  }
}
