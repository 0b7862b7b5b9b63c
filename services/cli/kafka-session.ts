import type { Admin, Kafka } from 'kafkajs';
import { createKafka, kafkaConnection } from '../shared/kafka/client.js';
import { SchemaRegistryClient } from '../shared/kafka/registry.js';
import { topicsFor, type Topics } from '../shared/schemas/topics.js';
import { createLogger } from '../shared/observability/logger.js';
import { ConfigError, DancuError } from '../shared/errors.js';
import { createPool, type Pool } from '../shared/store/db.js';
import { checkSchema } from '../shared/store/schema-check.js';
import type { CliConfig } from './config.js';
import { readDemoRun } from './demo-run-file.js';
import { databaseRemedy, type DemoRun } from './run-settings.js';
import { portOpen } from './stack/processes.js';
import { hostPort } from './stack/stack-layout.js';

/**
 * A Kafka client for a CLI command. kafkajs's own log lines stay quiet (DANCU_LOG_LEVEL=debug
 * shows them): they are JSON, one per retry, and came before the command's one-line error,
 * which says what failed.
 */
export function cliKafka(config: CliConfig, clientId: string): Kafka {
  const level = config.DANCU_LOG_LEVEL === 'debug' || config.DANCU_LOG_LEVEL === 'trace' ? config.DANCU_LOG_LEVEL : 'silent';
  return createKafka(kafkaConnection(config), clientId, createLogger({ level, name: clientId }));
}

/** Whether anything listens at a broker's address (a malformed address is no broker). */
function brokerPortOpen(address: string): Promise<boolean> {
  try {
    const { host, port } = hostPort(address, 9092);
    return portOpen(host, port);
  } catch {
    return Promise.resolve(false);
  }
}

/**
 * Refuses at once, in one line, when no broker of DANCU_KAFKA_BROKERS takes a connection:
 * kafkajs would try for about two minutes (the services' policy, to ride out a broker's
 * restart) and end in its own words.
 */
export async function requireBrokers(brokers: readonly string[], answers: (address: string) => Promise<boolean> = brokerPortOpen): Promise<void> {
  const open = await Promise.all(brokers.map(answers));
  if (open.some(Boolean)) return;
  throw new DancuError(
    'BROKERS_UNREACHABLE',
    `no Kafka broker of DANCU_KAFKA_BROKERS (${brokers.join(', ')}) takes a connection: start the stack with \`npx dancu stack up\`, or set DANCU_KAFKA_BROKERS to brokers that run`,
    { retriable: true },
  );
}

/** The schema registry, once it has answered; one line naming it and what to do when it does not. */
export async function requireRegistry(url: string): Promise<SchemaRegistryClient> {
  const registry = new SchemaRegistryClient(url);
  try {
    await registry.ping();
  } catch (error) {
    // An HTTP answer that is not a registry's (a wrong path) is worth its status; a refused connection needs no more words.
    const status = error instanceof Error ? /answered (\d{3})/.exec(error.message)?.[1] : undefined;
    const answer = status === undefined ? '' : ` (it answered ${status} at /subjects)`;
    throw new DancuError(
      'REGISTRY_UNREACHABLE',
      `the schema registry does not answer at ${url}${answer}: start the stack with \`npx dancu stack up\`, or set DANCU_SCHEMA_REGISTRY_URL to a registry that runs`,
      { retriable: true, cause: error },
    );
  }
  return registry;
}

/** A short Kafka session for a CLI command: a client and a connected admin, closed after `work`. */
export async function withKafka<T>(config: CliConfig, clientId: string, work: (kafka: Kafka, admin: Admin, topics: Topics) => Promise<T>): Promise<T> {
  const kafka = cliKafka(config, clientId);
  await requireBrokers(config.DANCU_KAFKA_BROKERS);
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

/** A failure of the register's database followed by what to run; any other error as it is. */
export function withDatabaseRemedy(error: unknown, databaseUrl: string): unknown {
  if (!(error instanceof DancuError)) return error;
  const remedy = databaseRemedy(error.code, { databaseUrl, demoRun: demoRunForHint() });
  if (remedy === null) return error;
  return new DancuError(error.code, `${error.message}: ${remedy}`, { retriable: error.retriable, cause: error });
}

/** The register's schema check, its failure followed by what to run. */
async function checkRegister(pool: Pool, databaseUrl: string): Promise<void> {
  try {
    await checkSchema(pool, databaseUrl);
  } catch (error) {
    throw withDatabaseRemedy(error, databaseUrl);
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
  if (Number.isNaN(at)) throw new ConfigError(`--since ${text}: give an ISO date or time, or a span such as 24h or 7d`);
  return at;
}
