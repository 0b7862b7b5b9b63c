import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import type { DancuProducer } from '../kafka/client.js';
import { asDancuError, DancuError } from '../errors.js';
import { deadLetterMessage, DLQ_HEADERS, refusedForSize } from '../kafka/dead-letter.js';
import type { Logger } from '../observability/logger.js';
import type { SchemaRegistryClient } from '../kafka/registry.js';
import type { RecordTypeKey } from '../schemas/avro-files.js';
import { inTransaction, type Pool, type PoolClient } from './db.js';

/**
 * One message for the relay to publish, written in the caller's transaction so it is sent if and
 * only if that commits; an event id already in the outbox is not written twice. (The store's
 * chunks write theirs in bulk through RegisterWrites.)
 */
export async function addToOutbox(
  client: PoolClient,
  message: { eventId: string; topic: string; key: string; recordType: RecordTypeKey; payload: unknown },
): Promise<void> {
  await client.query(`insert into outbox (event_id, topic, message_key, record_type, payload) values ($1, $2, $3, $4, $5) on conflict (event_id) do nothing`, [
    message.eventId,
    message.topic,
    message.key,
    message.recordType,
    message.payload,
  ]);
}

export interface OutboxRelayOptions {
  pool: Pool;
  producer: DancuProducer;
  registry: SchemaRegistryClient;
  /**
   * Schema id per topic this relay publishes to (registered by the service at start): the rows of
   * these topics are its own; another service's relay publishes the others.
   */
  schemaIds: ReadonlyMap<string, number>;
  /** Where a row that cannot be published goes after its last attempt. */
  deadLetterTopic: string;
  logger: Logger;
  batchSize: number;
  idlePollMs: number;
  /** Attempts at encoding a row before it is dead-lettered (encoding a row fails the same way each time, short of a fix). */
  maxAttempts?: number;
  onPublished?: (count: number) => void;
}

interface OutboxRow {
  id: string;
  event_id: string;
  topic: string;
  message_key: string;
  payload: unknown;
  citizen_version: string | null;
  attempts: number;
}

const DEFAULT_MAX_ATTEMPTS = 5;
/** One relay publishes at a time, whichever service runs it: the key of its advisory lock. */
const RELAY_LOCK = "hashtext('dancu:outbox-relay')";
export const CITIZEN_VERSION_HEADER = 'dancu.citizen.version';
const OUTBOX_HEADERS = { topic: 'dancu.outbox.topic', id: 'dancu.outbox.id' } as const;

type Encoded = { row: OutboxRow; value: Buffer };
type Poison = { row: OutboxRow; error: DancuError };

/**
 * Relays committed outbox rows to Kafka in id order. The outbox numbers each citizen's updates
 * in version order and gives them ids in the same order (migration 008), so publishing in id
 * order publishes each citizen's updates in version order — as long as only one relay publishes
 * at a time. The store and the steward service each run a relay for the topics they may write
 * (population updates are the store's alone), and a deployment may run several of each: each
 * batch is taken under one transaction-scoped advisory lock, and a relay that does not get it
 * waits for its next poll. (Sharing the table with `SKIP LOCKED` would let
 * two relays publish two versions of one citizen in either order.)
 *
 * Rows are marked published in the same transaction, after Kafka acknowledged them; a crash in
 * between publishes them again, with the same `id` header and the same citizen version, so a
 * consumer drops the repeat. A row that does not encode, or that the broker refuses for good
 * (a batch it refuses is sent again row by row to find it: one too large, say), is retried
 * `maxAttempts` times, one attempt per poll, and then dead-lettered with its reason; the rows
 * before it are published first and the rows after it wait, so no citizen's later version
 * overtakes it.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Asks the relay to look now instead of at its next poll (called after a store commit). */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Publishes one batch; returns how many rows it relayed (0 when another relay holds the turn). */
  async relayOnce(): Promise<number> {
    const { pool, batchSize } = this.options;
    return inTransaction(pool, async (client) => {
      const turn = await client.query<{ locked: boolean }>(`select pg_try_advisory_xact_lock(${RELAY_LOCK}) as locked`);
      if (!turn.rows[0]?.locked) return 0;
      const { rows } = await client.query<OutboxRow>(
        `select id, event_id, topic, message_key, payload, citizen_version, attempts from outbox
          where published_at is null and topic = any($2::text[]) order by id limit $1`,
        [batchSize, [...this.options.schemaIds.keys()]],
      );
      if (rows.length === 0) return 0;
      const { encoded, poison } = await this.encodeUntilPoison(rows);
      const { sent, refused } = await this.publishUntilRefused(encoded);
      if (sent.length > 0) {
        await client.query('update outbox set published_at = now() where id = any($1::bigint[])', [sent.map(({ row }) => row.id)]);
      }
      // A row the broker refused comes before any row that did not encode: the rows after it wait.
      const failure = refused ?? poison;
      const deadLettered = failure ? await this.recordFailure(client, failure) : false;
      return sent.length + (deadLettered ? 1 : 0);
    });
  }

  /**
   * Publishes the rows in one send; if the broker refuses it as too large, row by row in order up
   * to the first it refuses alone. Only a refusal for size is for good: any other error (a broker
   * away, or one kafkajs calls final that can pass, such as UNKNOWN_SERVER_ERROR) fails the whole
   * batch, which waits and is tried again, never dead-lettered.
   */
  private async publishUntilRefused(encoded: Encoded[]): Promise<{ sent: Encoded[]; refused: Poison | null }> {
    const { producer } = this.options;
    if (encoded.length === 0) return { sent: [], refused: null };
    try {
      await producer.sendBatch({ topicMessages: groupByTopic(encoded), acks: -1 });
      return { sent: encoded, refused: null };
    } catch (error) {
      if (!refusedForSize(asDancuError(error))) throw error;
    }
    for (const [index, each] of encoded.entries()) {
      try {
        await producer.sendBatch({ topicMessages: groupByTopic([each]), acks: -1 });
      } catch (error) {
        const cause = asDancuError(error);
        if (!refusedForSize(cause)) throw cause;
        return { sent: encoded.slice(0, index), refused: { row: each.row, error: unpublishable(each.row, cause) } };
      }
    }
    return { sent: encoded, refused: null };
  }

  private get maxAttempts(): number {
    return this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  }

  /** Encodes rows in order up to the first that cannot be encoded; a registry that is away fails the whole batch. */
  private async encodeUntilPoison(rows: OutboxRow[]): Promise<{ encoded: Encoded[]; poison: Poison | null }> {
    const { registry, schemaIds } = this.options;
    const encoded: Encoded[] = [];
    for (const row of rows) {
      const schemaId = schemaIds.get(row.topic);
      if (schemaId === undefined) throw new Error(`no schema registered for outbox topic ${row.topic}`);
      try {
        encoded.push({ row, value: await registry.encode(schemaId, row.payload) });
      } catch (error) {
        const cause = asDancuError(error);
        if (cause.retriable) throw cause;
        return { encoded, poison: { row, error: unpublishable(row, cause) } };
      }
    }
    return { encoded, poison: null };
  }

  /** Counts the attempt; the last one sends the row to the dead-letter topic and marks it done (true). */
  private async recordFailure(client: PoolClient, { row, error }: Poison): Promise<boolean> {
    const attempts = row.attempts + 1;
    const log = this.options.logger;
    if (attempts < this.maxAttempts) {
      log.warn({ outboxId: row.id, topic: row.topic, attempts, code: error.code }, 'outbox row cannot be published; will retry');
      await client.query('update outbox set attempts = $2, last_error = $3 where id = $1', [row.id, attempts, error.message]);
      return false;
    }
    const original = {
      topic: '',
      partition: -1,
      offset: '',
      key: Buffer.from(row.message_key),
      value: Buffer.from(JSON.stringify(row.payload)),
      headers: { [OUTBOX_HEADERS.topic]: row.topic, [OUTBOX_HEADERS.id]: row.id },
    };
    await this.sendDeadLetter(deadLetterMessage(original, error, 'outbox-relay', new Date()));
    await client.query('update outbox set attempts = $2, last_error = $3, published_at = now(), dead_lettered_at = now() where id = $1', [
      row.id,
      attempts,
      error.message,
    ]);
    log.error({ outboxId: row.id, topic: row.topic, attempts, code: error.code }, 'outbox row dead-lettered');
    return true;
  }

  /** A letter the broker refuses for its size goes without the payload, which the row keeps (its outbox id is in the headers). */
  private async sendDeadLetter(letter: Message): Promise<void> {
    const { producer, deadLetterTopic } = this.options;
    try {
      await producer.send({ topic: deadLetterTopic, messages: [letter], acks: -1 });
    } catch (error) {
      const refusal = asDancuError(error);
      if (!refusedForSize(refusal)) throw error;
      const omitted = `the payload (${letter.value?.length ?? 0} bytes), kept in the outbox row; the broker refused the letter with it (${refusal.code})`;
      await producer.send({
        topic: deadLetterTopic,
        messages: [{ ...letter, value: null, headers: { ...letter.headers, [DLQ_HEADERS.valueOmitted]: omitted } }],
        acks: -1,
      });
    }
  }

  private async run(): Promise<void> {
    const log = this.options.logger;
    let failures = 0;
    while (this.running) {
      try {
        const relayed = await this.relayOnce();
        failures = 0;
        if (relayed > 0) {
          this.options.onPublished?.(relayed);
          continue;
        }
      } catch (error) {
        failures += 1;
        const dancuError = asDancuError(error);
        log.warn({ code: dancuError.code, failures, err: dancuError.message }, 'outbox relay failed; retrying');
      }
      await this.idle(failures === 0 ? this.options.idlePollMs : Math.min(10_000, 200 * 2 ** Math.min(failures, 6)));
    }
  }

  private async idle(ms: number): Promise<void> {
    const woken = new Promise<void>((resolve) => {
      this.wakeUp = resolve;
    });
    await Promise.race([sleep(ms), woken]);
    this.wakeUp = null;
  }
}

function unpublishable(row: OutboxRow, cause: DancuError): DancuError {
  const message = `outbox row ${row.id} (${row.event_id}) cannot be published to ${row.topic}: ${cause.message}`;
  return new DancuError('OUTBOX_UNPUBLISHABLE', message, { retriable: false, cause, context: { recordId: row.event_id } });
}

function groupByTopic(encoded: Encoded[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const { row, value } of encoded) {
    const headers: Record<string, string> = { id: row.event_id };
    if (row.citizen_version !== null) headers[CITIZEN_VERSION_HEADER] = row.citizen_version;
    const messages = byTopic.get(row.topic) ?? [];
    messages.push({ key: row.message_key, value, headers });
    byTopic.set(row.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
