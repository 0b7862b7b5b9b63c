import type { CitizenMatchRow } from '../register/citizen-row.js';
import { citizenMatchColumns } from './citizens-table.js';
import type { Pool } from './db.js';

/**
 * The register read by a reader that keeps its own copy of the candidates' fields: a snapshot of
 * the citizens, then the citizens changed since, read from the change notes the triggers of
 * migration 030 keep. A position is a transaction horizon (pg_snapshot_xmin, as text): every
 * transaction below it had ended when it was taken, so reading the notes from it on misses none.
 */

/** How long change notes are kept: a reader that has not read them for half as long reads the register afresh. */
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
    const { rows } = await client.query<{ horizon: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as horizon');
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
    return rows[0]!.horizon;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The citizens noted as changed by transactions from `horizon` on, as they are now, and the horizon to read from next time: one round trip. */
export async function citizensChangedSince(pool: Pool, horizon: string): Promise<{ horizon: string; citizens: ChangedCitizen[] }> {
  const { rows } = await pool.query<Partial<CitizenMatchRow> & { horizon: string; changed_id: string | null; status: string | null }>(
    `select pg_snapshot_xmin(pg_current_snapshot())::text as horizon, n.citizen_id as changed_id, c.status, ${citizenMatchColumns('c')}
       from (select 1) one
       left join (select distinct citizen_id from citizen_changes where changed_xid >= $1::xid8) n on true
       left join citizens c on c.citizen_id = n.citizen_id`,
    [horizon],
  );
  const citizens: ChangedCitizen[] = [];
  for (const { horizon: _, changed_id: id, status, ...row } of rows) {
    if (id === null) continue;
    citizens.push(!row.citizen_id || status === 'MERGED' ? { citizen_id: id, gone: true } : { ...(row as CitizenMatchRow), gone: false });
  }
  return { horizon: rows[0]!.horizon, citizens };
}

/** Deletes the change notes older than `keptMs`; how many. */
export async function pruneCitizenChanges(pool: Pool, keptMs = CHANGES_KEPT_MS): Promise<number> {
  const { rowCount } = await pool.query(`delete from citizen_changes where changed_at < now() - $1::int * interval '1 millisecond'`, [keptMs]);
  return rowCount ?? 0;
}
