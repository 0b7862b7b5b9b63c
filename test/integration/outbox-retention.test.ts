import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../services/shared/store/db.js';
import { OutboxPruner, prunePublishedOutbox } from '../../services/shared/store/outbox-retention.js';
import { serviceDatabaseUrl } from '../../services/shared/store/service-roles.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

type State = 'published' | 'unpublished' | 'dead-lettered';

const HOUR_MS = 3_600_000;

/** Writes an outbox row in the given state, published (or dead-lettered) `hoursAgo`; returns its event id. */
async function row(pool: Pool, eventId: string, state: State, hoursAgo = 2): Promise<string> {
  await pool.query(
    `insert into outbox (event_id, topic, message_key, record_type, payload, published_at, dead_lettered_at)
     select $1, 'population.updates.v1', 'k', 'rejection', '{}', case when $2 <> 'unpublished' then at end, case when $2 = 'dead-lettered' then at end
       from (select now() - $3::float8 * interval '1 hour' as at) as t`,
    [eventId, state, hoursAgo],
  );
  return eventId;
}

describe('published outbox rows are pruned once old enough', () => {
  const db = new IsolatedDatabase('outbox_retention');
  let store: Pool;

  const remaining = async (): Promise<string[]> =>
    (await db.pool.query<{ event_id: string }>('select event_id from outbox order by event_id')).rows.map((r) => r.event_id);

  beforeAll(async () => {
    await db.setUp();
    // As the store's own role: the pruning must be within its grants.
    store = createPool(serviceDatabaseUrl(db.url, 'store', undefined), 1);
  });

  beforeEach(async () => {
    await db.pool.query('truncate outbox');
  });

  afterAll(async () => {
    await store?.end();
    await db.cleanUp();
  });

  it('deletes the published rows written before the sample that aged, and keeps those written after it', async () => {
    const clock = { now: 0 };
    const pruner = new OutboxPruner(store, HOUR_MS, () => clock.now);
    await row(db.pool, 'a-published', 'published');
    expect(await pruner.prune()).toBe(0);
    await row(db.pool, 'b-published-later', 'published');
    clock.now = HOUR_MS;
    expect(await pruner.prune()).toBe(1);
    expect(await remaining()).toEqual(['b-published-later']);
  });

  it('keeps a row written long ago until it has been published for the time kept', async () => {
    const clock = { now: 0 };
    const pruner = new OutboxPruner(store, HOUR_MS, () => clock.now);
    await row(db.pool, 'a-published-late', 'published', 0.5);
    await row(db.pool, 'b-published', 'published');
    await pruner.prune();
    clock.now = HOUR_MS;
    expect(await pruner.prune()).toBe(1);
    expect(await remaining()).toEqual(['a-published-late']);
  });

  it('keeps rows not yet published and dead-lettered rows, however old', async () => {
    await row(db.pool, 'a-unpublished', 'unpublished');
    await row(db.pool, 'b-dead-lettered', 'dead-lettered');
    await row(db.pool, 'c-published', 'published');
    expect(await new OutboxPruner(store, 0).prune()).toBe(1);
    expect(await remaining()).toEqual(['a-unpublished', 'b-dead-lettered']);
  });

  it('deletes every old published row when there are more than one batch holds', async () => {
    for (const id of ['a', 'b', 'c', 'd', 'e']) await row(db.pool, id, 'published');
    const { rows } = await db.pool.query<{ last: string }>('select max(id)::text as last from outbox');
    expect(await prunePublishedOutbox(store, rows[0]!.last, HOUR_MS, 2)).toBe(5);
    expect(await remaining()).toEqual([]);
  });
});
