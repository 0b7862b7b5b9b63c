import type { Pool } from './db.js';
import type { CitizenRow } from '../register/citizen-row.js';
import { citizenRowColumns } from './citizens-table.js';
import { recordSubject } from './review-case.js';

export interface SourceRecordKey {
  source: string;
  source_system: string;
  source_record_id: string;
}

/** Read side of the register for the linker: one round trip per batch of events, never one per event. */
export class CitizenRepository {
  constructor(private readonly pool: Pool) {}

  /** The citizens that earlier events of these source records were linked to. */
  async bySourceRecords(keys: SourceRecordKey[]): Promise<Map<string, CitizenRow>> {
    if (keys.length === 0) return new Map();
    const result = await this.pool.query<CitizenRow & SourceRecordKey>(
      `select l.source, l.source_system, l.source_record_id, ${citizenRowColumns('c')}
         from record_links l
         join citizens c using (citizen_id)
         join unnest($1::text[], $2::text[], $3::text[]) as k(source, source_system, source_record_id)
           on l.source = k.source and l.source_system = k.source_system and l.source_record_id = k.source_record_id`,
      [keys.map((k) => k.source), keys.map((k) => k.source_system), keys.map((k) => k.source_record_id)],
    );
    return new Map(result.rows.map((row) => [sourceRecordKey(row), row]));
  }

  /**
   * What stewards decided about these source records: citizens each may never be linked to, and
   * the citizen it must be linked to (with their row, to score and explain the link).
   */
  async constraintsOf(keys: SourceRecordKey[]): Promise<Map<string, RecordConstraints>> {
    const found = new Map<string, RecordConstraints>();
    if (keys.length === 0) return found;
    const subjects = new Map(keys.map((k) => [recordSubject(k), sourceRecordKey(k)]));
    // The constraints first, then the MUST_LINK citizens by id (following a merge one step): on
    // Citus a join of the coordinator's constraints to the distributed citizens would copy every
    // citizen to the coordinator, and most records have no constraint at all.
    const constraints = await this.pool.query<{ subject: string; kind: 'CANNOT_LINK' | 'MUST_LINK'; constrained: string }>(
      'select subject, kind, citizen_id as constrained from linkage_constraints where revoked_at is null and subject = any($1::text[])',
      [[...subjects.keys()]],
    );
    const mustLink = constraints.rows.filter((row) => row.kind === 'MUST_LINK').map((row) => row.constrained);
    const citizens = await this.followingMerges(mustLink);
    const rows: ({ subject: string; kind: 'CANNOT_LINK' | 'MUST_LINK'; constrained: string } & Partial<CitizenRow>)[] = constraints.rows.map((row) => ({
      ...row,
      ...(row.kind === 'MUST_LINK' ? citizens.get(row.constrained) : undefined),
    }));
    for (const row of rows) {
      const key = subjects.get(row.subject);
      if (!key) continue;
      const entry = found.get(key) ?? { cannotLink: new Set<string>(), mustLink: null };
      if (row.kind === 'CANNOT_LINK') entry.cannotLink.add(row.constrained);
      else if (row.citizen_id) entry.mustLink = row as CitizenRow;
      found.set(key, entry);
    }
    return found;
  }

  /** Each citizen by id, or the citizen they were merged into (one step, as a merge records it). */
  private async followingMerges(ids: string[]): Promise<Map<string, CitizenRow>> {
    if (ids.length === 0) return new Map();
    const { rows: targets } = await this.pool.query<{ citizen_id: string; target: string }>(
      'select citizen_id, coalesce(merged_into, citizen_id) as target from citizens where citizen_id = any($1::text[])',
      [ids],
    );
    const { rows } = await this.pool.query<CitizenRow>(`select ${citizenRowColumns('c')} from citizens c where c.citizen_id = any($1::text[])`, [
      targets.map((t) => t.target),
    ]);
    const byId = new Map(rows.map((row) => [row.citizen_id, row]));
    return new Map(targets.flatMap((t) => (byId.has(t.target) ? [[t.citizen_id, byId.get(t.target)!] as const] : [])));
  }
}

export interface RecordConstraints {
  cannotLink: Set<string>;
  mustLink: CitizenRow | null;
}

export function sourceRecordKey(key: SourceRecordKey): string {
  return `${key.source}\u001f${key.source_system}\u001f${key.source_record_id}`;
}
