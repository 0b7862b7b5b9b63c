import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

/**
 * Drops a removed connector's replication slot and publication in the sector's database: a slot
 * nobody reads keeps every WAL segment from then on, until the sector's disk is full. The slot is
 * still held for a moment after Connect stops the task, so an active slot is waited for.
 */
export async function dropSlot(databaseUrl: string, slot: string, timeoutMs = 30_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop publication if exists ${pg.escapeIdentifier(slot)}`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = await client.query<{ active: boolean }>('select active from pg_replication_slots where slot_name = $1', [slot]);
      if (found.rowCount === 0) return false;
      if (!found.rows[0]?.active) {
        await client.query('select pg_drop_replication_slot($1)', [slot]);
        return true;
      }
      if (Date.now() > deadline) throw new Error(`replication slot ${slot} is still in use after ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  } finally {
    await client.end();
  }
}
