import { defineTable } from './table.js';
import type { Pool, PoolClient } from './db.js';

/** Where a consumer's work stands in one partition: every message before `nextOffset` is settled (migration 016). */
export interface ConsumerPosition {
  consumer: string;
  topic: string;
  partition: number;
  nextOffset: string;
}

export const CONSUMER_POSITIONS = defineTable('consumer_positions', { consumer: 'text', topic: 'text', partition: 'integer', next_offset: 'bigint' });

/**
 * Records a position in the caller's transaction, so it commits with the work it describes. A
 * position never goes back: a stale instance finishing a chunk after a rebalance, or a chunk
 * replayed after a restore, leaves the furthest one.
 */
export async function recordPosition(client: PoolClient, position: ConsumerPosition): Promise<void> {
  const table = CONSUMER_POSITIONS;
  await client.query(
    `insert into ${table.name} (${table.list()}) values ($1, $2, $3, $4)
     on conflict (consumer, topic, partition) do update
       set next_offset = greatest(${table.name}.next_offset, excluded.next_offset), updated_at = now()`,
    [position.consumer, position.topic, position.partition, position.nextOffset],
  );
}

/** Every recorded position (a backup reads them in the snapshot it copies). */
export async function readPositions(db: Pool | PoolClient): Promise<ConsumerPosition[]> {
  const { rows } = await db.query<{ consumer: string; topic: string; partition: number; next_offset: string }>(
    `select ${CONSUMER_POSITIONS.list()} from ${CONSUMER_POSITIONS.name} order by consumer, topic, partition`,
  );
  return rows.map((row) => ({ consumer: row.consumer, topic: row.topic, partition: row.partition, nextOffset: row.next_offset }));
}
