import type { Pool } from './db.js';
import { citizenColumnsOf, type CitizenRow } from './citizen-row.js';

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
      `select l.source, l.source_system, l.source_record_id, ${citizenColumnsOf('c')}
         from record_links l
         join citizens c using (citizen_id)
         join unnest($1::text[], $2::text[], $3::text[]) as k(source, source_system, source_record_id)
           on l.source = k.source and l.source_system = k.source_system and l.source_record_id = k.source_record_id`,
      [keys.map((k) => k.source), keys.map((k) => k.source_system), keys.map((k) => k.source_record_id)],
    );
    return new Map(result.rows.map((row) => [sourceRecordKey(row), row]));
  }
}

export function sourceRecordKey(key: SourceRecordKey): string {
  return `${key.source}\u001f${key.source_system}\u001f${key.source_record_id}`;
}
