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
    const result = await this.pool.query<{ subject: string; kind: 'CANNOT_LINK' | 'MUST_LINK'; constrained: string } & Partial<CitizenRow>>(
      // The merge followed first, then the citizen read by id: on Citus (citizens distributed by
      // id) a join on merged_into would be a repartition join, and a correlated subquery is refused.
      `with k as materialized (
         select k.subject, k.kind, k.citizen_id, case when k.kind = 'MUST_LINK' then coalesce(m.merged_into, k.citizen_id) end as target
           from linkage_constraints k
           left join citizens m on k.kind = 'MUST_LINK' and m.citizen_id = k.citizen_id
          where k.revoked_at is null and k.subject = any($1::text[]))
       select k.subject, k.kind, k.citizen_id as constrained, ${citizenRowColumns('c')}
         from k left join citizens c on c.citizen_id = k.target`,
      [[...subjects.keys()]],
    );
    for (const row of result.rows) {
      const key = subjects.get(row.subject);
      if (!key) continue;
      const entry = found.get(key) ?? { cannotLink: new Set<string>(), mustLink: null };
      if (row.kind === 'CANNOT_LINK') entry.cannotLink.add(row.constrained);
      else if (row.citizen_id) entry.mustLink = row as CitizenRow;
      found.set(key, entry);
    }
    return found;
  }
}

export interface RecordConstraints {
  cannotLink: Set<string>;
  mustLink: CitizenRow | null;
}

export function sourceRecordKey(key: SourceRecordKey): string {
  return `${key.source}\u001f${key.source_system}\u001f${key.source_record_id}`;
}
