import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { DancuError } from '../errors.js';
import type { EngineDecision } from '../linkage/engine.js';
import { toMatchRecord, type MatchRecord } from '../linkage/match-record.js';

const POPULATION_HEADER = ['citizen_id', 'full_name', 'date_of_birth', 'sex', 'address'];
const RECORDS_HEADER = ['record_id', 'source', 'personal_id', 'full_name', 'date_of_birth', 'sex', 'address'];

function readCsv(file: string, required: string[]): Record<string, string>[] {
  const rows = parse(readFileSync(file), {
    columns: (header: string[]) => header.map((h) => h.trim()),
    bom: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: false,
  }) as Record<string, string>[];
  const header = rows.length > 0 ? Object.keys(rows[0]!) : required;
  const missing = required.filter((column) => !header.includes(column));
  if (missing.length > 0) throw new DancuError('CSV_FILE_INVALID', `${file}: the header lacks ${missing.join(', ')}`, { retriable: false });
  return rows;
}

/** The register snapshot of the link-csv contract; personal_id defaults to citizen_id. */
export function readPopulationCsv(file: string): MatchRecord[] {
  return readCsv(file, POPULATION_HEADER).map((row) =>
    toMatchRecord(row.citizen_id ?? '', { ...row, personal_id: row.personal_id === undefined || row.personal_id === '' ? row.citizen_id : row.personal_id }),
  );
}

export interface SourceRecord {
  record: MatchRecord;
  source: string;
}

export function readRecordsCsv(file: string): SourceRecord[] {
  return readCsv(file, RECORDS_HEADER).map((row) => ({ record: toMatchRecord(row.record_id ?? '', row), source: row.source ?? '' }));
}

/** D.csv of the contract: record_id,decision,citizen_id,score; citizen_id only for links. */
export function writeDecisionsCsv(file: string, decisions: readonly EngineDecision[]): void {
  const rows = decisions.map((d) => [d.recordId, d.decision.toLowerCase(), d.decision === 'LINK' ? (d.citizenId ?? '') : '', d.score.toFixed(6)]);
  writeFileSync(file, stringify(rows, { header: true, columns: ['record_id', 'decision', 'citizen_id', 'score'] }));
}
