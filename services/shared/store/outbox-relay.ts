import { setTimeout as sleep } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { asDancuError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { SchemaRegistryClient } from '../kafka/registry.js';
import type { RecordTypeKey } from '../schemas/avro-files.js';
import { inTransaction, type Pool, type PoolClient } from './db.js';

/**
 * One message for the relay to publish, written in the caller's transaction so it is sent if and
 * only if that commits; an event id already in the outbox is not written twice. (The store's
 * chunks write theirs in bulk through RegisterWrites.)
 */
export async function addToOutbox(client: PoolClient, message: { eventId: string; topic: string; key: string; recordType: RecordTypeKey; payload: unknown }): Promise<void> {
  await client.query(
    `insert into outbox (event_id, topic, message_key, record_type, payload) values ($1, $2, $3, $4, $5) on conflict (event_id) do nothing`,
    [message.eventId, message.topic, message.key, message.recordType, message.payload],
  );
}

export interface OutboxRelayOptions {
  pool: Pool;
  producer: Producer;
  registry: SchemaRegistryClient;
  /** Schema id per topic the outbox writes to (registered by the service at start). */
  schemaIds: ReadonlyMap<string, number>;
  logger: Logger;
  batchSize: number;
  idlePollMs: number;
  onPublished?: (count: number) => void;
}

interface OutboxRow {
  id: string;
  event_id: string;
  topic: string;
  message_key: string;
  payload: unknown;
}

/**
 * Relays committed outbox rows to Kafka, oldest first. Rows are marked published in the same
 * transaction that locked them, after Kafka acknowledged them; a crash in between publishes them
 * again, and consumers drop the repeat by its `id` header (the update id). `SKIP LOCKED` lets
 * two relays share the table.
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

  /** Publishes one batch; returns how many rows it relayed. */
  async relayOnce(): Promise<number> {
    const { pool, producer, registry, schemaIds, batchSize } = this.options;
    return inTransaction(pool, async (client) => {
      const { rows } = await client.query<OutboxRow>(
        `select id, event_id, topic, message_key, payload from outbox
          where published_at is null order by id limit $1 for update skip locked`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
      for (const row of rows) {
        const schemaId = schemaIds.get(row.topic);
        if (schemaId === undefined) throw new Error(`no schema registered for outbox topic ${row.topic}`);
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({ key: row.message_key, value: await registry.encode(schemaId, row.payload), headers: { id: row.event_id } });
        byTopic.set(row.topic, messages);
      }
      await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
      await client.query('update outbox set published_at = now() where id = any($1::bigint[])', [rows.map((row) => row.id)]);
      return rows.length;
    });
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
