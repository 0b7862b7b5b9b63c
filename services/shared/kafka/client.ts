import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, Partitioners, type Admin, type ITopicConfig, type KafkaConfig, type LogEntry, type Producer } from 'kafkajs';
import type { CommonConfig } from '../config/common.js';
import { readSecret, secretInFolder } from '../config/secrets.js';
import { ConfigError, DancuError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { SendingProducer } from './platformatic-producer.js';
import { clusterDefaults, topicReplication } from './topic-replication.js';

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

/**
 * How to reach the brokers and as whom. `plaintext` is the local stack's broker (no TLS, no
 * login); `sasl_ssl` logs in with SCRAM-SHA-512 over TLS, trusting `caFile` (else the system's
 * CAs), as the principal whose ACLs say what this process may do.
 */
export type KafkaConnection =
  { brokers: string[]; security: 'plaintext' } | { brokers: string[]; security: 'sasl_ssl'; username: string; password: string; caFile?: string };

/** The connection a config describes; a secure one without its login is refused with the variables to set (never their values). */
export function kafkaConnection(config: CommonConfig): KafkaConnection {
  const brokers = config.DANCU_KAFKA_BROKERS;
  if (config.DANCU_KAFKA_SECURITY === 'plaintext') return { brokers, security: 'plaintext' };
  const given = readSecret(
    { DANCU_KAFKA_PASSWORD: config.DANCU_KAFKA_PASSWORD, DANCU_KAFKA_PASSWORD_FILE: config.DANCU_KAFKA_PASSWORD_FILE },
    'DANCU_KAFKA_PASSWORD',
  );
  const username = config.DANCU_KAFKA_USERNAME;
  if (username === undefined || username === '') throw new ConfigError('DANCU_KAFKA_SECURITY=sasl_ssl needs DANCU_KAFKA_USERNAME');
  const password = given ?? principalPassword(config.DANCU_KAFKA_SECRETS_DIR, username);
  if (password === undefined) {
    throw new ConfigError('DANCU_KAFKA_SECURITY=sasl_ssl needs DANCU_KAFKA_PASSWORD, DANCU_KAFKA_PASSWORD_FILE or DANCU_KAFKA_SECRETS_DIR');
  }
  return { brokers, security: 'sasl_ssl', username, password, ...(config.DANCU_KAFKA_CA_FILE ? { caFile: config.DANCU_KAFKA_CA_FILE } : {}) };
}

/** A principal's password from DANCU_KAFKA_SECRETS_DIR (one file per principal). */
export function principalPassword(secretsDir: string | undefined, principal: string): string | undefined {
  return secretInFolder({ DANCU_KAFKA_SECRETS_DIR: secretsDir }, 'DANCU_KAFKA_SECRETS_DIR', principal);
}

/** kafkajs's TLS and SASL settings for a connection (none for plaintext). */
export function securitySettings(connection: KafkaConnection): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (connection.security === 'plaintext') return {};
  return {
    ssl: connection.caFile === undefined ? true : { ca: [readCa(connection.caFile)] },
    sasl: { mechanism: 'scram-sha-512', username: connection.username, password: connection.password },
  };
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new ConfigError(`DANCU_KAFKA_CA_FILE names a file that cannot be read (${file})`);
  }
}

/**
 * How long a client rides out a broker that is away before it gives up (about 110 s in all, the
 * longest wait 30 s): long enough for a cluster to fence a dead broker and move its partitions'
 * leaders (about 10 s). Every field is set, because kafkajs swaps in short test defaults (1 s at
 * most, 8 s in all) under NODE_ENV=test, and tests must run the policy production runs.
 */
const RETRY = { initialRetryTime: 200, retries: 10, maxRetryTime: 30_000, multiplier: 2, factor: 0.2 };

export function createKafka(connection: KafkaConnection, clientId: string, logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers: connection.brokers,
    ...securitySettings(connection),
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    retry: RETRY,
  });
}

/**
 * A producer whose awaited sends are durable (the callers send with acks -1: every in-sync copy
 * holds the write), partitioning keys as the Java client does (murmur2), so other tools agree on
 * which partition a key is in.
 *
 * kafkajs 2.2.4 retries a send wrongly when a partition's leader moves: it sends again only to the
 * brokers that have not answered, grouped by the new leaders, so a partition whose new leader had
 * already answered for its own partitions is never sent, and the send succeeds (seen on the
 * 3-broker test: 92 observations lost after a broker's kill; an open upstream fix is tulios/kafkajs#1798). So kafkajs tries each send once, and
 * dancu sends the whole batch again while the error is one that may pass (sendAgain). A partition
 * written before the failure gets its messages twice; every event carries a stable id, so the copy
 * is applied once, and it lands right after the first (the caller sends nothing else meanwhile),
 * so a key's order holds.
 *
 * Not idempotent: kafkajs's idempotent producer has the same resend, and with several partitions'
 * sends at once it also numbers two batches of one partition alike across a leader change, after
 * which the broker refuses the producer's writes (OUT_OF_ORDER_SEQUENCE_NUMBER; it dead-lettered
 * half of the test's stream).
 */
export async function connectProducer(kafka: Kafka, options: { metadataMaxAgeMs?: number } = {}): Promise<Producer> {
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    ...(options.metadataMaxAgeMs === undefined ? {} : { metadataMaxAge: options.metadataMaxAgeMs }),
    createPartitioner: Partitioners.DefaultPartitioner,
    maxInFlightRequests: 5,
    retry: { retries: 0 },
  });
  await producer.connect();
  return {
    ...producer,
    send: (record) => sendAgain(() => producer.send(record)),
    sendBatch: (batch) => sendAgain(() => producer.sendBatch(batch)),
  };
}

/** What dancu's code holds a producer as: kafkajs's, or @platformatic/kafka's behind the same send shape. */
export type DancuProducer = SendingProducer;

/** The Kafka client a service's producer runs on (DANCU_KAFKA_CLIENT); consumers and admin are kafkajs's either way. */
export type KafkaClientName = 'kafkajs' | 'platformatic';

/**
 * A service's producer on the chosen client. @platformatic/kafka sends with a quarter of kafkajs's
 * CPU per message (docs/BENCHMARKS.md, "Kafka client"); kafkajs stays the default until the whole
 * pipeline shows the difference. Either way an awaited send is durable and resent whole by
 * sendAgain.
 */
export async function connectServiceProducer(options: {
  client: KafkaClientName;
  kafka: Kafka;
  connection: KafkaConnection;
  clientId: string;
  /** kafkajs's producer only (see DANCU_KAFKA_METADATA_MAX_AGE_MS). */
  metadataMaxAgeMs?: number;
}): Promise<DancuProducer> {
  if (options.client === 'kafkajs') return connectProducer(options.kafka, { metadataMaxAgeMs: options.metadataMaxAgeMs });
  const { connection } = options;
  // Loaded only when chosen: @platformatic/kafka takes about half a second to load, which every
  // service and CLI command that never uses it paid at start.
  const { connectPlatformaticProducer } = await import('./platformatic-producer.js');
  const producer = await connectPlatformaticProducer({
    clientId: options.clientId,
    brokers: connection.brokers,
    ...(connection.security === 'sasl_ssl'
      ? {
          tls: connection.caFile === undefined ? {} : { ca: [readCa(connection.caFile)] },
          sasl: { mechanism: 'SCRAM-SHA-512', username: connection.username, password: connection.password },
        }
      : {}),
  });
  return {
    ...producer,
    send: (record) => sendAgain(() => producer.send(record)),
    sendBatch: (batch) => sendAgain(() => producer.sendBatch(batch)),
  };
}

/** Sends, and on an error that may pass (a broker away, a leader moving) sends the whole batch again, with the client's backoff. */
async function sendAgain<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await send();
    } catch (error) {
      if (attempt >= RETRY.retries || !mayPass(error)) throw error;
      await sleep(Math.min(RETRY.maxRetryTime, RETRY.initialRetryTime * RETRY.multiplier ** attempt));
    }
  }
}

/**
 * kafkajs wraps the cause in its retry errors: a protocol error says itself whether it may pass;
 * any other kafkajs error is the network or the cluster. The @platformatic/kafka producer throws
 * dancu's errors, classified already.
 */
function mayPass(error: unknown): boolean {
  // A login refused or an ACL missing is retriable for the stage (it waits for the fix) but not worth resending at once.
  if (error instanceof DancuError) return error.retriable && !/_(AUTHENTICATION|AUTHORIZATION)_FAILED$/.test(error.code);
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause.name === 'KafkaJSProtocolError') return (cause as { retriable?: boolean }).retriable !== false;
  }
  return error instanceof Error && error.name.startsWith('KafkaJS');
}

/** The broker's answers an error carries, along its causes: kafkajs wraps the protocol error in its retry errors. */
function protocolTypes(error: unknown): string[] {
  const types: string[] = [];
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const type = (cause as { type?: unknown }).type;
    if (typeof type === 'string') types.push(type);
  }
  return types;
}

/** Whether the broker refused a request because the principal may not do it. */
export function isAuthorizationFailure(error: unknown): boolean {
  return protocolTypes(error).some((type) => type.endsWith('_AUTHORIZATION_FAILED'));
}

/** kafkajs reports refused topic creations together, each with its own error. */
function creationDenied(error: unknown): boolean {
  const errors = (error as { errors?: unknown[] }).errors;
  return Array.isArray(errors) && errors.some(isAuthorizationFailure);
}

export const DEFAULT_PARTITIONS = 3;

/**
 * Creates the topics that do not exist yet, replicated as the cluster's own defaults say (see
 * topicReplication), and waits for their leaders; existing ones are left as they are.
 */
export async function ensureTopics(admin: Admin, topics: string[], partitions = DEFAULT_PARTITIONS): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length === 0) return;
  try {
    const { replicationFactor, minInsyncReplicas } = topicReplication(await clusterDefaults(admin));
    const configs: ITopicConfig[] = missing.map((topic) => ({
      topic,
      numPartitions: partitions,
      replicationFactor,
      configEntries: [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }],
    }));
    await admin.createTopics({ topics: configs, waitForLeaders: false });
  } catch (error) {
    // Another service may create the same topic at the same moment; only a topic still missing is a failure.
    const now = new Set(await admin.listTopics());
    const still = missing.filter((topic) => !now.has(topic));
    if (still.length > 0) {
      if (!isAuthorizationFailure(error) && !creationDenied(error)) throw error;
      // On a secure broker a login sees only the topics its ACLs name, and only an administrator creates topics.
      throw new DancuError('KAFKA_TOPIC_AUTHORIZATION_FAILED', `this login may not see or create the topics ${still.join(', ')}`, {
        retriable: false,
        cause: error,
      });
    }
  }
  // Whoever created them, they are of use only once led.
  await waitForLeaders(admin, missing);
}

/** Answers a broker gives about a topic it has created but not yet taken into its metadata. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Waits until every partition of the topics has a leader. kafkajs's own wait (`waitForLeaders`)
 * retries only LEADER_NOT_AVAILABLE; a KRaft broker asked at once may not know the new topic yet
 * and answer UNKNOWN_TOPIC_OR_PARTITION, which kafkajs throws (seen in CI when several runs set up
 * side by side). Both mean "not yet" here, until the deadline. kafkajs retries LEADER_NOT_AVAILABLE
 * itself first (the client's retry policy), so one ask may outlast the deadline before it is seen.
 * Any number of partitions will do: another service may have created the topic with its own count.
 */
export async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const led = await admin.fetchTopicMetadata({ topics }).then(
      ({ topics: found }) =>
        found.length === topics.length && found.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0)),
      (error: unknown) => {
        if (protocolTypes(error).some((type) => NOT_YET.has(type))) return false;
        throw error;
      },
    );
    if (led) return;
    if (Date.now() > deadline) {
      throw new DancuError('KAFKA_TOPIC_NOT_READY', `the topics ${topics.join(', ')} have no leader ${timeoutMs} ms after their creation`, { retriable: true });
    }
    await sleep(100);
  }
}
