import { AgedSamples } from './aged-samples.js';
import type { Pool } from './db.js';
import { OUTBOX } from './decision-tables.js';

/** Rows one delete statement takes: each batch commits on its own, so no transaction holds many row locks for long. */
export const PRUNE_BATCH_ROWS = 10_000;

/** Deletes the rows with an id up to `upToId` published at least `keptMs` ago and not dead-lettered, batch by batch; how many. */
export async function prunePublishedOutbox(pool: Pool, upToId: string, keptMs: number, batchRows = PRUNE_BATCH_ROWS): Promise<number> {
  let pruned = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `delete from ${OUTBOX.name} where id in (
         select id from ${OUTBOX.name}
          where id <= $1::bigint and published_at < now() - make_interval(secs => $3) and dead_lettered_at is null order by id limit $2)`,
      [upToId, batchRows, keptMs / 1000],
    );
    pruned += rowCount ?? 0;
    if ((rowCount ?? 0) < batchRows) return pruned;
  }
}

/**
 * The store's pruning of the outbox. A row is the relay's work, not the register's record: once
 * on Kafka it is kept only so that an operator can see what went out lately, or the table would
 * grow by two rows an event for good. Rows published at least `keptMs` ago are deleted. Each call
 * samples the last id written and looks only at rows up to the newest sample at least `keptMs`
 * old (ids are drawn when a row is written, migration 008, so none younger can qualify): the
 * delete reads the primary key's oldest end, never the whole table. Rows not yet published, and
 * dead-lettered ones (an operator queues those again: outbox-relay.ts), stay; a row queued again
 * is kept `keptMs` after it is published again.
 */
export class OutboxPruner {
  private readonly lastIds: AgedSamples<string>;

  constructor(
    private readonly pool: Pool,
    private readonly keptMs: number,
    now: () => number = Date.now,
  ) {
    this.lastIds = new AgedSamples(keptMs, now);
  }

  async prune(): Promise<number> {
    const { rows } = await this.pool.query<{ last: string }>(`select coalesce(max(id), 0)::text as last from ${OUTBOX.name}`);
    this.lastIds.add(rows[0]?.last ?? '0');
    const aged = this.lastIds.takeAged();
    return aged === null ? 0 : prunePublishedOutbox(this.pool, aged, this.keptMs);
  }
}
