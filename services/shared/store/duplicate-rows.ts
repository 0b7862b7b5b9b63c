/**
 * A citizen_id or personal_id that a load would hold twice, as the load reports it: by the row of
 * the file that holds it (a CSV record; the header row 1), never by the ID itself. PostgreSQL
 * refuses it in one of two places: the COPY, when the unique indexes are kept up row by row (its
 * error names the COPY's line: population-copies.ts), or the rebuild of the constraint after a
 * bulk COPY (empty-register-load.ts), whose error names only the value; that row is found here by
 * reading the file again, which costs a pass over it only when the load has already failed.
 */

import { csvFileRows } from '../csv-rows.js';
import { loadedIds } from './population-rows.js';

const UNIQUE_VIOLATION = '23505';

/** The columns of citizens a snapshot row can duplicate, by the constraint that keeps each unique. */
const UNIQUE_COLUMNS: Readonly<Record<string, 'citizen_id' | 'personal_id'>> = {
  citizens_pkey: 'citizen_id',
  citizens_personal_id_key: 'personal_id',
};

interface RefusedDuplicate {
  column: 'citizen_id' | 'personal_id';
  /** The COPY's line that held it, when a COPY refused it. */
  line: number | null;
  /** The value, when the error's detail holds it (a rebuilt index's error: `Key (citizen_id)=(…) is duplicated.`). */
  value: string | null;
}

/** The column a unique violation of citizens names, where it was refused, and the value; null for any other error. */
export function refusedDuplicate(error: unknown): RefusedDuplicate | null {
  const { code, constraint, where, detail } = (error ?? {}) as { code?: string; constraint?: string; where?: string; detail?: string };
  const column = code === UNIQUE_VIOLATION && constraint !== undefined ? UNIQUE_COLUMNS[constraint] : undefined;
  if (column === undefined) return null;
  const line = /\bline (\d+)/.exec(where ?? '')?.[1];
  const value = /^Key \([^)]*\)=\((.*)\) is duplicated\.$/s.exec(detail ?? '')?.[1];
  return { column, line: line === undefined ? null : Number(line), value: value ?? null };
}

/** How a load reports a duplicated ID: `row` is "row N", or "a row" when the row is not known. */
export function duplicateProblem(row: string, column: RefusedDuplicate['column']): string {
  return `${row}: its ${column} is in the file twice, or in the register already`;
}

/**
 * A duplicate refused when its constraint was rebuilt after the COPY, by its row: the second row
 * of the file that holds the value, or the only one (the register held it already), or "a row"
 * when the error does not give the value. Null for any other error, and for one a COPY refused.
 */
export async function rebuiltConstraintProblem(error: unknown, file: string): Promise<string | null> {
  const refused = refusedDuplicate(error);
  if (refused === null || refused.line !== null) return null;
  // The file gone or changed since the load read it: the row is not known, and the load's own error is still the one to report.
  const rows = refused.value === null ? [] : await rowsHolding(file, refused.column, refused.value).catch(() => []);
  const row = rows.length === 0 ? 'a row' : `row ${rows[Math.min(1, rows.length - 1)]}`;
  return duplicateProblem(row, refused.column);
}

/** The first two rows of a snapshot whose `column`, as the load writes it, is `value`. */
async function rowsHolding(file: string, column: RefusedDuplicate['column'], value: string): Promise<number[]> {
  const found: number[] = [];
  let at: { citizenId: number; personalId: number } | null = null;
  let row = 1;
  for await (const piece of csvFileRows(file)) {
    for (const cells of piece) {
      if (at === null) {
        const columns = cells.map((name) => name.trim());
        // The last of a name, as the load reads a row (population-rows.ts, normaliseBatch).
        at = { citizenId: columns.lastIndexOf('citizen_id'), personalId: columns.lastIndexOf('personal_id') };
        continue;
      }
      row += 1;
      const ids = loadedIds({ citizen_id: cells[at.citizenId] ?? '', personal_id: cells[at.personalId] ?? '' });
      if (ids[column] !== value) continue;
      found.push(row);
      if (found.length === 2) return found;
    }
  }
  return found;
}
