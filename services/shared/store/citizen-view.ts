import type { Pool } from './db.js';
import type { CitizenRow } from '../register/citizen-row.js';
import { citizenRowColumns } from './citizens-table.js';

export interface CitizenView {
  citizen: CitizenRow & { origin: string; created_at: Date; updated_at: Date; version: number };
  links: { source: string; source_system: string; source_record_id: string; method: string; score: number; linked_at: Date }[];
  provenance: {
    field: string;
    value: string | null;
    source: string;
    source_system: string;
    source_record_id: string;
    event_time: Date;
    applied_at: Date;
    rule: string;
    is_current: boolean;
  }[];
  facts: {
    kind: string;
    fact_date: string | null;
    details: Record<string, string>;
    source: string;
    source_system: string;
    source_record_id: string;
    recorded_at: Date;
    withdrawn_at: Date | null;
  }[];
  findings: { code: string; field: string; source: string; stage: string; found_at: Date }[];
  audit: { at: Date; actor: string; action: string; details: unknown }[];
}

/** A citizen with every link, every field value it has had and where it came from, the sectors' facts, findings, and its audit trail. */
export async function citizenView(pool: Pool, id: string): Promise<CitizenView | null> {
  const citizen = await pool.query<CitizenView['citizen']>(
    `select ${citizenRowColumns()}, origin, created_at, updated_at, version from citizens where citizen_id = $1 or personal_id = $1 limit 1`,
    [id],
  );
  const row = citizen.rows[0];
  if (!row) return null;
  const [links, provenance, facts, findings, audit] = await Promise.all([
    pool.query<CitizenView['links'][number]>(
      'select source, source_system, source_record_id, method, score, linked_at from record_links where citizen_id = $1 order by linked_at',
      [row.citizen_id],
    ),
    pool.query<CitizenView['provenance'][number]>(
      'select field, value, source, source_system, source_record_id, event_time, applied_at, rule, is_current from field_provenance where citizen_id = $1 order by field, applied_at',
      [row.citizen_id],
    ),
    pool.query<CitizenView['facts'][number]>(
      'select kind, fact_date, details, source, source_system, source_record_id, recorded_at, withdrawn_at from citizen_facts where citizen_id = $1 order by fact_date, id',
      [row.citizen_id],
    ),
    pool.query<CitizenView['findings'][number]>('select code, field, source, stage, found_at from quality_findings where citizen_id = $1 order by id', [
      row.citizen_id,
    ]),
    pool.query<CitizenView['audit'][number]>('select at, actor, action, details from audit_log where citizen_id = $1 order by id', [row.citizen_id]),
  ]);
  return { citizen: row, links: links.rows, provenance: provenance.rows, facts: facts.rows, findings: findings.rows, audit: audit.rows };
}
