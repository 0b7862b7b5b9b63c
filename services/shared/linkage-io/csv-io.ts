import { createWriteStream, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ConfigError, DancuError } from '../errors.js';
import { CompactRegister, FieldNumbers, UNREADABLE_DATE, UNREADABLE_SEX } from '../linkage/compact-register.js';
import type { EngineDecision } from '../linkage/engine.js';
import { MatchRecordReader, toMatchRecord, type MatchRecord } from '../linkage/match-record.js';
import { cached, csvField, csvFileRows } from '../csv-rows.js';
import { parsePartialDate } from '../normalise/date.js';
import { parseSex } from '../normalise/sex.js';
import { DeferredAddresses, type NumberAddresses } from './deferred-addresses.js';

const POPULATION_HEADER = ['citizen_id', 'full_name', 'date_of_birth', 'sex', 'address'] as const;
const RECORDS_HEADER = ['record_id', 'source', 'personal_id', 'full_name', 'date_of_birth', 'sex', 'address'] as const;
/** Columns a records file may have: where the record was made (read for its province when the record has no address). */
const RECORDS_OPTIONAL = ['office_area'] as const;

function csvInvalid(file: string, problem: string): DancuError {
  return new DancuError('CSV_FILE_INVALID', `${file}: ${problem}`, { retriable: false });
}

/** What csv-parse found wrong, by its error code and line (never the field's value). */
export function csvParseProblem(error: unknown): string {
  const { code, lines } = error as { code?: unknown; lines?: unknown };
  const where = typeof lines === 'number' ? ` at line ${lines}` : '';
  return typeof code === 'string' ? `not valid CSV (${code})${where}` : `not valid CSV${where}`;
}

function readCsv(file: string, required: readonly string[]): Record<string, string>[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(readFileSync(file), {
      columns: (header: string[]) => header.map((h) => h.trim()),
      bom: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: false,
    }) as Record<string, string>[];
  } catch (error) {
    // csv-parse's code and line only: some of its messages quote the field, which may be a name or a date of birth.
    throw csvInvalid(file, csvParseProblem(error));
  }
  const header = rows.length > 0 ? Object.keys(rows[0]!) : required;
  const missing = required.filter((column) => !header.includes(column));
  if (missing.length > 0) throw csvInvalid(file, `the header lacks ${missing.join(', ')}`);
  return rows;
}

/** A register with rows whose date of birth or sex cannot be read: refused whole, as load-population refuses it. */
export function unreadableRegister(file: string, unreadable: UnreadableFields): DancuError {
  return csvInvalid(
    file,
    `a date_of_birth or sex that cannot be read in ${unreadable.rows} of its rows (dancu load-population refuses them too); nothing was linked:\n  ${unreadable.lines().join('\n  ')}`,
  );
}

/** A file with a header and no rows, where m, u and the prior are to be estimated from its rows. */
export function nothingToEstimateFrom(file: string): DancuError {
  return csvInvalid(file, 'no rows under the header: nothing to estimate m, u and the prior from');
}

/** The register snapshot of the link-csv contract; personal_id defaults to citizen_id. */
export function readPopulationCsv(file: string): MatchRecord[] {
  // The register's own columns only: an office_area column, a record's, says nothing of a citizen.
  return readCsv(file, POPULATION_HEADER).map((row) =>
    toMatchRecord(row.citizen_id ?? '', {
      full_name: row.full_name,
      date_of_birth: row.date_of_birth,
      sex: row.sex,
      address: row.address,
      personal_id: row.personal_id === undefined || row.personal_id === '' ? row.citizen_id : row.personal_id,
    }),
  );
}

export interface SourceRecord {
  record: MatchRecord;
  source: string;
}

export function readRecordsCsv(file: string): SourceRecord[] {
  return readCsv(file, RECORDS_HEADER).map((row) => ({ record: toMatchRecord(row.record_id ?? '', row), source: row.source ?? '' }));
}

/** The first rows with a field that cannot be read, told by row; the others are counted. */
const MAX_TOLD = 20;

/**
 * Rows of a file whose date of birth or sex is there but cannot be read: `dancu load-population`
 * refuses such a register row, and the engine would take the field as missing without a word.
 * Counted by column; the first MAX_TOLD told by row and reason, never by value (a value may be a
 * person's date of birth). A row is a CSV record, the header row 1: blank lines are skipped and a
 * quoted field may hold line breaks, so it is not the file's line.
 */
export class UnreadableFields {
  /** Rows with at least one such field. */
  rows = 0;
  readonly byColumn = { date_of_birth: 0, sex: 0 };
  readonly told: string[] = [];
  /** Whether each distinct value reads: a file of millions repeats some tens of thousands of dates and a few ways of writing a sex. */
  private readonly dates = new Map<string, boolean>();
  private readonly sexes = new Map<string, boolean>();

  /** One row of the file (`at`: its number, the header row 1), in the file's order. */
  see(row: { date_of_birth?: string | undefined; sex?: string | undefined }, at: number): void {
    const date = row.date_of_birth?.trim();
    const sex = row.sex?.trim();
    this.count(at, {
      date: Boolean(date) && !cached(this.dates, date!, (raw) => parsePartialDate(raw).ok),
      sex: Boolean(sex) && !cached(this.sexes, sex!, (raw) => parseSex(raw) !== undefined),
    });
  }

  /** One row of the file whose fields a reader checked itself (`at` as for `see`): which of them are there but cannot be read. */
  count(at: number, unreadable: { date: boolean; sex: boolean }): void {
    if (!unreadable.date && !unreadable.sex) return;
    const problems: string[] = [];
    if (unreadable.date) {
      this.byColumn.date_of_birth += 1;
      problems.push('date_of_birth is not a date dancu reads (yyyy-mm-dd, dd/mm/yyyy, yyyymmdd, yyyy-mm or yyyy; years 1850–2200)');
    }
    if (unreadable.sex) {
      this.byColumn.sex += 1;
      problems.push('sex is not M/F, male/female, nam/nữ or 1/2');
    }
    this.rows += 1;
    if (this.told.length < MAX_TOLD) this.told.push(`row ${at}: ${problems.join('; ')}`);
  }

  /** The rows told, one a line, and how many more there are. */
  lines(): string[] {
    const more = this.rows - this.told.length;
    return more > 0 ? [...this.told, `… and ${more} more`] : this.told;
  }
}

/**
 * The rows of a CSV file as objects of the columns named, a batch at a time, read as a stream;
 * the header may hold more columns, in any order. `unreadable`, when given, sees every row. Every
 * record after the header is given, in order: readPopulationColumns numbers the rows by counting them.
 */
async function* streamCsv<C extends string>(
  file: string,
  required: readonly C[],
  optional: readonly C[] = [],
  unreadable?: UnreadableFields,
): AsyncGenerator<Record<C, string | undefined>[]> {
  let positions: { column: C; at: number }[] | null = null;
  let width = 0;
  let row = 1;
  for await (const rows of csvFileRows(file)) {
    const batch: Record<C, string | undefined>[] = [];
    for (const cells of rows) {
      if (positions === null) {
        const header = cells.map((h) => h.trim());
        const missing = required.filter((column) => !header.includes(column));
        if (missing.length > 0) throw csvInvalid(file, `the header lacks ${missing.join(', ')}`);
        positions = [...required, ...optional].map((column) => ({ column, at: header.indexOf(column) }));
        width = header.length;
        continue;
      }
      row += 1;
      if (cells.length !== width) throw csvInvalid(file, `row ${row} has ${cells.length} fields, the header ${width}`);
      const values = {} as Record<C, string | undefined>;
      for (const { column, at } of positions) values[column] = at < 0 ? undefined : cells[at];
      unreadable?.see(values, row);
      batch.push(values);
    }
    if (batch.length > 0) yield batch;
  }
}

/**
 * The register snapshot of the link-csv contract as a compact register, read as a stream.
 * `unreadable`, when given, is told each row whose date of birth or sex cannot be read (link-csv
 * refuses such a register, as load-population does). `addressesOn`, when given, numbers the rows'
 * addresses and works out each distinct one (link-csv's address thread) while this thread reads on.
 */
export async function readPopulationColumns(file: string, unreadable?: UnreadableFields, addressesOn?: NumberAddresses): Promise<CompactRegister> {
  const register = new CompactRegister();
  const fields = new FieldNumbers();
  const addresses = addressesOn ? new DeferredAddresses(addressesOn, register.pool) : null;
  // The header is row 1, and streamCsv gives every record after it, in order, none left out (as
  // it does to UnreadableFields.see): counting them here numbers the rows as `see` would. The
  // register tells which fields it could not read: no lookup here of its own.
  let at = 1;
  for await (const rows of streamCsv(file, POPULATION_HEADER, ['personal_id'])) {
    for (const row of rows) {
      at += 1;
      const person = { ...row, personal_id: row.personal_id === undefined || row.personal_id === '' ? row.citizen_id : row.personal_id };
      const unread = register.addPerson(row.citizen_id ?? '', person, fields, addresses !== null);
      if (unread !== 0) unreadable?.count(at, { date: (unread & UNREADABLE_DATE) !== 0, sex: (unread & UNREADABLE_SEX) !== 0 });
      addresses?.add(person.address);
    }
    await addresses?.backlog();
  }
  if (addresses) {
    const { valueOfRow, numbersOfValue } = await addresses.addresses();
    register.fillAddresses(valueOfRow, numbersOfValue);
  }
  return register;
}

/** A truth file (record_id,citizen_id; empty citizen_id: the record's person is not in the register), as `dancu synth` writes it. */
export async function readTruthCsv(file: string): Promise<Map<string, string | null>> {
  const truth = new Map<string, string | null>();
  for await (const rows of streamCsv(file, ['record_id', 'citizen_id'] as const))
    for (const row of rows) truth.set(row.record_id ?? '', row.citizen_id || null);
  return truth;
}

type RecordColumn = (typeof RECORDS_HEADER)[number] | (typeof RECORDS_OPTIONAL)[number];

/** A row of the link-csv records file as read, its features not yet computed. */
export type RecordRow = Record<RecordColumn, string | undefined>;

/** The rows of the link-csv records file, a batch at a time, as read: for a pass that keeps few of them. `unreadable`, when given, sees every row. */
export function streamRecordRowsCsv(file: string, unreadable?: UnreadableFields): AsyncGenerator<RecordRow[]> {
  return streamCsv<RecordColumn>(file, RECORDS_HEADER, RECORDS_OPTIONAL, unreadable);
}

/** A records file's row as a match record, through the reader's caches. */
export function recordOfRow(reader: MatchRecordReader, row: RecordRow): MatchRecord {
  return reader.read(row.record_id ?? '', row);
}

/** The records of the link-csv contract, a batch at a time, read as a stream. `unreadable`, when given, sees every row. */
export async function* streamRecordsCsv(file: string, unreadable?: UnreadableFields): AsyncGenerator<SourceRecord[]> {
  const reader = new MatchRecordReader();
  for await (const rows of streamRecordRowsCsv(file, unreadable)) {
    yield rows.map((row) => ({ record: recordOfRow(reader, row), source: row.source ?? '' }));
  }
}

/** D.csv's header line. */
export const DECISIONS_HEADER = 'record_id,decision,citizen_id,score\n';

/** A decision as its line of D.csv. */
export function decisionLine(d: EngineDecision): string {
  return `${csvField(d.recordId)},${d.decision.toLowerCase()},${d.decision === 'LINK' ? csvField(d.citizenId ?? '') : ''},${d.score.toFixed(6)}\n`;
}

/**
 * A CSV file written as its rows come, waiting when the disk is behind. The rows go to FILE.partial,
 * renamed to FILE only once all are written (`allOrNothing`): a run that fails half way leaves no
 * file that looks complete, and an earlier complete file is replaced only by another.
 */
export class CsvStreamWriter<Item> {
  private readonly out: WriteStream;
  private readonly partial: string;
  private failure: Error | null = null;

  constructor(
    private readonly file: string,
    header: string,
    private readonly line: (item: Item) => string,
  ) {
    this.partial = `${file}.partial`;
    this.out = createWriteStream(this.partial);
    // A folder that does not exist, a full disk: said in one line at the next write, not thrown as an unhandled event.
    this.out.on('error', (error) => (this.failure ??= new ConfigError(`cannot write ${file}: ${error.message}`)));
    this.out.write(header);
  }

  async write(items: readonly Item[]): Promise<void> {
    this.throwFailure();
    // `once` rejects when the stream fails instead: the failure recorded above is the one told.
    if (!this.out.write(items.map(this.line).join(''))) await once(this.out, 'drain').catch(() => undefined);
    this.throwFailure();
  }

  private throwFailure(): void {
    if (this.failure) throw this.failure;
  }

  /** Runs `work` (which writes the rows), then completes the file; when anything fails, no file is left. */
  async allOrNothing<T>(work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      await this.close();
      return result;
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  private async close(): Promise<void> {
    this.throwFailure();
    this.out.end();
    await once(this.out, 'finish').catch(() => undefined);
    this.throwFailure();
    await rename(this.partial, this.file);
  }

  private async abort(): Promise<void> {
    this.out.destroy();
    await rm(this.partial, { force: true });
  }
}

/** D.csv of the contract written as decisions come. */
export class DecisionsCsvWriter extends CsvStreamWriter<EngineDecision> {
  constructor(file: string) {
    super(file, DECISIONS_HEADER, decisionLine);
  }
}

/** D.csv of the contract: record_id,decision,citizen_id,score; citizen_id only for links. */
export function writeDecisionsCsv(file: string, decisions: readonly EngineDecision[]): void {
  const rows = decisions.map((d) => [d.recordId, d.decision.toLowerCase(), d.decision === 'LINK' ? (d.citizenId ?? '') : '', d.score.toFixed(6)]);
  writeFileSync(file, stringify(rows, { header: true, columns: ['record_id', 'decision', 'citizen_id', 'score'] }));
}
