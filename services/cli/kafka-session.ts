import type { Admin, Kafka } from 'kafkajs';
import { createKafka, kafkaConnection } from '../shared/kafka/client.js';
import { topicsFor, type Topics } from '../shared/schemas/topics.js';
import { createLogger } from '../shared/observability/logger.js';
import { DancuError } from '../shared/errors.js';
import { createPool, type Pool } from '../shared/store/db.js';
import { checkSchema } from '../shared/store/schema-check.js';
import type { CliConfig } from './config.js';
import { readDemoRun } from './demo-run-file.js';
import { databaseRemedy, type DemoRun } from './run-settings.js';

/** A short Kafka session for a CLI command: a client and a connected admin, closed after `work`. */
export async function withKafka<T>(config: CliConfig, clientId: string, work: (kafka: Kafka, admin: Admin, topics: Topics) => Promise<T>): Promise<T> {
  const kafka = createKafka(kafkaConnection(config), clientId, createLogger({ level: 'warn', name: clientId }));
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(kafka, admin, topicsFor(config.DANCU_TOPIC_NAMESPACE));
  } finally {
    await admin.disconnect();
  }
}

/** The demo run, if any, for a hint; a broken demo run file is no reason to hide the error it would have helped with. */
function demoRunForHint(): DemoRun | null {
  try {
    return readDemoRun();
  } catch {
    return null;
  }
}

/** The register's schema check, its failure followed by what to run. */
async function checkRegister(pool: Pool, databaseUrl: string): Promise<void> {
  try {
    await checkSchema(pool, databaseUrl);
  } catch (error) {
    if (!(error instanceof DancuError)) throw error;
    const remedy = databaseRemedy(error.code, { databaseUrl, demoRun: demoRunForHint() });
    if (remedy === null) throw error;
    throw new DancuError(error.code, `${error.message}: ${remedy}`, { retriable: error.retriable, cause: error });
  }
}

/** A CLI command's connection pool to the register, checked once at connect (exists, migrated), ended after `work`. */
export async function withPool<T>(config: CliConfig, size: number, work: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createPool(config.DATABASE_URL, size);
  try {
    await checkRegister(pool, config.DATABASE_URL);
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** For commands that hand the database to services: the same check, before any service starts. */
export async function checkRegisterDatabase(config: CliConfig): Promise<void> {
  await withPool(config, 1, async () => undefined);
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
