import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from '../shared/kafka/client.js';
import { topicsFor, type Topics } from '../shared/schemas/topics.js';
import { createLogger } from '../shared/observability/logger.js';
import { createPool, type Pool } from '../shared/store/db.js';
import type { CliConfig } from './config.js';

/** A short Kafka session for a CLI command: a client and a connected admin, closed after `work`. */
export async function withKafka<T>(config: CliConfig, clientId: string, work: (kafka: Kafka, admin: Admin, topics: Topics) => Promise<T>): Promise<T> {
  const kafka = createKafka(config.DANCU_KAFKA_BROKERS, clientId, createLogger({ level: 'warn', name: clientId }));
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(kafka, admin, topicsFor(config.DANCU_TOPIC_NAMESPACE));
  } finally {
    await admin.disconnect();
  }
}

/** A CLI command's connection pool to the register, ended after `work`. */
export async function withPool<T>(config: CliConfig, size: number, work: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool(config.DATABASE_URL, size);
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** `--since`: an ISO date or time, or a span back from now (90m, 24h, 7d). */
export function parseSince(text: string | undefined, now = Date.now()): number | undefined {
  if (text === undefined) return undefined;
  const span = /^(\d+)\s*([mhd])$/.exec(text.trim());
  if (span) return now - Number(span[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as 'm' | 'h' | 'd'];
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new Error(`--since ${text}: give an ISO date or time, or a span such as 24h or 7d`);
  return at;
}
