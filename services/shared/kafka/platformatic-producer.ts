import {
  compatibilityPartitioner,
  GenericError,
  ProduceAcks,
  Producer as PlatformaticProducer,
  type MessageToProduce,
  type SASLOptions,
} from '@platformatic/kafka';
import type { ConnectionOptions } from 'node:tls';
import type { IHeaders, Message, RecordMetadata } from 'kafkajs';
import { DancuError, UnavailableError } from '../errors.js';

type Outgoing = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/** kafkajs's message as @platformatic/kafka takes it: bytes throughout; a header given several values is sent once per value, in order. */
export function toOutgoing(topic: string, message: Message): Outgoing {
  const bytes = (value: Buffer | string) => (typeof value === 'string' ? Buffer.from(value) : value);
  const outgoing: Outgoing = { topic };
  if (message.key !== undefined && message.key !== null) outgoing.key = bytes(message.key);
  if (message.value !== null) outgoing.value = bytes(message.value);
  if (message.partition !== undefined) outgoing.partition = message.partition;
  if (message.timestamp !== undefined) outgoing.timestamp = BigInt(message.timestamp);
  if (message.headers) outgoing.headers = headerEntries(message.headers);
  return outgoing;
}

/** A Map keyed by Buffer objects, so one name can carry several values (each its own key object). */
function headerEntries(headers: IHeaders): Map<Buffer, Buffer> {
  const entries = new Map<Buffer, Buffer>();
  for (const [name, given] of Object.entries(headers)) {
    if (given === undefined) continue;
    for (const value of Array.isArray(given) ? given : [given]) entries.set(Buffer.from(name), typeof value === 'string' ? Buffer.from(value) : value);
  }
  return entries;
}

/** The library's errors that no resend mends: a message it cannot serialise, a feature the broker lacks. */
const FINAL_CODES = /^PLT_KFK_(USER|UNSUPPORTED)/;

type LibraryError = Error & { code?: unknown; canRetry?: unknown; apiId?: unknown };

/** An error of the library and every error under it: those it gathers and their causes (a refused login is the cause of a connection error), at any depth. */
function nestedErrors(error: Error): LibraryError[] {
  const gathered: unknown[] = error instanceof AggregateError ? error.errors : [];
  return [error, ...[...gathered, error.cause].flatMap((each) => (each instanceof Error ? nestedErrors(each) : []))];
}

/**
 * @platformatic/kafka's failures as dancu's: a broker's refusal it says may pass, a connection or
 * a timeout is a broker away (retriable; the library's own canRetry says whether it retries inside,
 * and is false for a timeout); a login refused or a refusal for want of an ACL is the deployment's
 * to fix and waits for it (retriable, as kafkajs's are in errors.ts); any other refusal is final.
 * Errors not the library's pass as they are, for asDancuError.
 */
export function asKafkaError(error: unknown): unknown {
  if (!(error instanceof Error) || !GenericError.isGenericError(error)) return error;
  const nested = nestedErrors(error);
  if (nested.some((each) => each.code === 'PLT_KFK_AUTHENTICATION')) {
    return new DancuError('KAFKA_SASL_AUTHENTICATION_FAILED', error.message, { retriable: true, cause: error });
  }
  const denied = nested.find((each) => typeof each.apiId === 'string' && each.apiId.endsWith('_AUTHORIZATION_FAILED'));
  if (denied) return new DancuError(`KAFKA_${String(denied.apiId)}`, error.message, { retriable: true, cause: error });
  const refused = nested.find((each) => each.code === 'PLT_KFK_PROTOCOL' && each.canRetry === false);
  if (refused) return new DancuError(`KAFKA_${String(refused.apiId)}`, error.message, { retriable: false, cause: error });
  if (nested.some((each) => typeof each.code === 'string' && FINAL_CODES.test(each.code))) {
    return new DancuError('KAFKA_REFUSED', error.message, { retriable: false, cause: error });
  }
  return new UnavailableError('kafka', error);
}

/** What dancu's code asks of a producer: kafkajs's send and sendBatch (acks, topic messages), and disconnect. */
export interface SendingProducer {
  send(record: { topic: string; messages: Message[]; acks?: number }): Promise<RecordMetadata[]>;
  sendBatch(batch: { topicMessages?: { topic: string; messages: Message[] }[]; acks?: number }): Promise<RecordMetadata[]>;
  disconnect(): Promise<void>;
}

/**
 * A producer on @platformatic/kafka behind kafkajs's send shape (DANCU_KAFKA_CLIENT=platformatic):
 * acks as the caller asks (dancu asks -1), the Java client's murmur2 partitions (its own default
 * numbers keys otherwise), not idempotent (as the kafkajs one, so that both resend alike), and no
 * retries of its own: client.ts's sendAgain sends the whole batch again with the one policy.
 */
export async function connectPlatformaticProducer(options: {
  clientId: string;
  brokers: string[];
  tls?: ConnectionOptions;
  sasl?: SASLOptions;
}): Promise<SendingProducer> {
  const producer = new PlatformaticProducer({
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.sasl ? { sasl: options.sasl } : {}),
    partitioner: compatibilityPartitioner,
    idempotent: false,
    autocreateTopics: false,
    retries: 0,
  });
  const sendAll = async (messages: Outgoing[], acks: number | undefined): Promise<RecordMetadata[]> => {
    if (messages.length === 0) return [];
    try {
      const { offsets = [] } = await producer.send({ messages, acks: acks ?? ProduceAcks.ALL });
      return offsets.map(({ topic, partition, offset }) => ({ topicName: topic, partition, errorCode: 0, baseOffset: String(offset) }));
    } catch (error) {
      throw asKafkaError(error);
    }
  };
  try {
    // Connect now, as kafkajs's connect() does, so that a wrong address or login fails at start.
    await producer.connectToBrokers();
  } catch (error) {
    await producer.close(true);
    throw asKafkaError(error);
  }
  return {
    send: (record) =>
      sendAll(
        record.messages.map((message) => toOutgoing(record.topic, message)),
        record.acks,
      ),
    sendBatch: (batch) =>
      sendAll(
        (batch.topicMessages ?? []).flatMap(({ topic, messages }) => messages.map((message) => toOutgoing(topic, message))),
        batch.acks,
      ),
    disconnect: () => producer.close(),
  };
}
