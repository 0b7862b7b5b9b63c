import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { toMatchRecord, type MatchRecord } from '../shared/linkage/match-record.js';
import { REPO_ROOT } from '../shared/paths.js';

export const FEBRL_DIR = join(REPO_ROOT, '..', 'shared', 'benchmarks', 'febrl');

/**
 * A FEBRL file as link-csv sees it: the family name first (as Vietnamese names are written),
 * the address in one line, the social security number as the identifier.
 */
export function readFebrl(file: string): MatchRecord[] {
  const rows = parse(readFileSync(join(FEBRL_DIR, file)), { columns: (h: string[]) => h.map((c) => c.trim()), trim: true, skip_empty_lines: true }) as Record<
    string,
    string
  >[];
  return rows.map((row) =>
    toMatchRecord(row.rec_id ?? '', {
      personal_id: row.soc_sec_id,
      full_name: [row.surname, row.given_name].filter(Boolean).join(' '),
      date_of_birth: row.date_of_birth,
      sex: null,
      address: [row.street_number, row.address_1, row.address_2, row.suburb, row.postcode, row.state].filter(Boolean).join(' '),
    }),
  );
}

/** rec-N-org and rec-N-dup-k are the same entity. */
export function febrlEntity(recordId: string): string {
  return /^rec-(\d+)/.exec(recordId)?.[1] ?? recordId;
}
