import type { CitizenMatchRow } from '../register/citizen-row.js';
import { AgedSamples } from './aged-samples.js';
import { citizenMatchColumns } from './citizens-table.js';
import type { Pool, PoolClient } from './db.js';

/**
 * The register read by a reader that keeps its own copy of the candidates' fields: a snapshot of
 * the citizens, then the citizens changed since, read from the change notes the triggers of
 * migration 030 keep. A position is a transaction horizon (pg_snapshot_xmin, as text): every
 * transaction below it had ended when it was taken, so reading the notes from it on misses none.
 */

/** How long change notes are kept, at least: the store deletes those below the horizon it saw this long before. */
export const CHANGES_KEPT_MS = 15 * 60 * 1000;

const SNAPSHOT_PAGE = 20_000;

/** A citizen changed since a horizon: her fields now, or `gone` when the register no longer holds her as a candidate (merged, or removed). */
export type ChangedCitizen = { citizen_id: string; gone: true } | (CitizenMatchRow & { gone: false });

/**
 * Every citizen a candidate lookup can find (all but the merged), page by page in one repeatable-
 * read transaction, and the horizon to read changes from afterwards.
 */
export async function readRegisterSnapshot(pool: Pool, onPage: (rows: readonly CitizenMatchRow[]) => void): Promise<string> {
  const client = await pool.connect();
  try {
    // The snapshot is taken by the transaction's first statement: the horizon is that snapshot's.
    await client.query('begin isolation level repeatable read read only');
    const horizon = await transactionHorizon(client);
    let after = '';
    for (;;) {
      const page = await client.query<CitizenMatchRow>(
        `select ${citizenMatchColumns()} from citizens where citizen_id > $1 and status <> 'MERGED' order by citizen_id limit $2`,
        [after, SNAPSHOT_PAGE],
      );
      if (page.rows.length === 0) break;
      onPage(page.rows);
      after = page.rows[page.rows.length - 1]!.citizen_id;
    }
    await client.query('commit');
    return horizon;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** What a read of the notes found: the citizens, or that the reader must read the register afresh. */
export type ChangesRead =
  | { horizon: string; citizens: ChangedCitizen[]; afresh: false }
  /** Notes the reader needed were pruned, or more than `most` citizens changed. */
  | { horizon: string; afresh: true };

/**
 * The citizens noted as changed by transactions from `horizon` on, as they are now, and the
 * horizon to read from next time, in one round trip. At most `most` citizens: past that, or when
 * notes from `horizon` on may have been pruned, the answer is to read the register afresh.
 */
export async function citizensChangedSince(pool: Pool, horizon: string, most: number): Promise<ChangesRead> {
  const { rows } = await pool.query<Partial<CitizenMatchRow> & { horizon: string; pruned_past: boolean; changed_id: string | null; status: string | null }>(
    `select pg_snapshot_xmin(pg_current_snapshot())::text as horizon, $1::xid8 < (select below from citizen_changes_pruned) as pruned_past,
            n.citizen_id as changed_id, c.status, ${citizenMatchColumns('c')}
       from (select 1) one
       left join (select distinct citizen_id from citizen_changes where changed_xid >= $1::xid8 limit $2) n on true
       left join citizens c on c.citizen_id = n.citizen_id`,
    [horizon, most + 1],
  );
  const next = rows[0]!.horizon;
  const citizens: ChangedCitizen[] = [];
  for (const { horizon: _, pruned_past: __, changed_id: id, status, ...row } of rows) {
    if (id === null) continue;
    citizens.push(!row.citizen_id || status === 'MERGED' ? { citizen_id: id, gone: true } : { ...(row as CitizenMatchRow), gone: false });
  }
  if (rows[0]!.pruned_past || citizens.length > most) return { horizon: next, afresh: true };
  return { horizon: next, citizens, afresh: false };
}

/** The current transaction horizon: a snapshot's position, and what `pruneCitizenChanges` is given once it is old enough. */
export async function transactionHorizon(db: Pool | PoolClient): Promise<string> {
  const { rows } = await db.query<{ horizon: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as horizon');
  return rows[0]!.horizon;
}

/** Deletes the notes of transactions below `below` (a horizon seen CHANGES_KEPT_MS ago) and says so to readers; how many. */
export async function pruneCitizenChanges(pool: Pool, below: string): Promise<number> {
  const { rowCount } = await pool.query(
    `with bound as (update citizen_changes_pruned set below = greatest(below, $1::xid8) returning below)
     delete from citizen_changes where changed_xid < (select below from bound)`,
    [below],
  );
  return rowCount ?? 0;
}

/** The store's pruning: a horizon sampled each call, and the notes deleted below the newest sample at least `keptMs` old. */
export class CitizenChangesPruner {
  private readonly horizons: AgedSamples<string>;

  constructor(
    private readonly pool: Pool,
    keptMs = CHANGES_KEPT_MS,
    now: () => number = Date.now,
  ) {
    this.horizons = new AgedSamples(keptMs, now);
  }

  async prune(): Promise<number> {
    this.horizons.add(await transactionHorizon(this.pool));
    const aged = this.horizons.takeAged();
    return aged === null ? 0 : pruneCitizenChanges(this.pool, aged);
  }
}
