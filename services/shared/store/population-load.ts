import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { once } from 'node:events';
import { finished, pipeline } from 'node:stream/promises';
import { cached, csvFileRows } from '../csv-rows.js';
import { DancuError, InternalError } from '../errors.js';
import { from as copyFrom } from 'pg-copy-streams';
import { parsePartialDate } from '../normalise/date.js';
import { normaliseName } from '../normalise/name.js';
import { parsePersonalId } from '../normalise/personal-id.js';
import { parseSex } from '../normalise/sex.js';
import { cleanText } from '../normalise/text.js';
import { citizenKeyRows } from '../linkage/citizen-keys.js';
import { normalisedFieldFeatures, type AddressFeatures, type DateFeatures, type NameFeatures } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { CITIZEN_CREATED_COLUMNS, CITIZENS } from './citizens-table.js';
import { inTransaction, type Pool, type PoolClient } from './db.js';
import { buildSearchIndex, dropSearchIndex, vacuumKeys, withKeyIndexesDropped } from './key-indexes.js';

/** What a register snapshot sets of each citizen, in the order of the COPY. */
const LOADED_COLUMNS = CITIZEN_CREATED_COLUMNS.filter((column) => column !== 'place_of_birth' && column !== 'ethnicity');

export const POPULATION_COLUMNS = ['citizen_id', 'full_name', 'date_of_birth', 'sex', 'address'] as const;
const MAX_REPORTED_ERRORS = 20;
/** From this many rows on, the key indexes are dropped during the copy and rebuilt after: far faster than growing them row by row. */
const BULK_ROWS = 50_000;
/** A file this large holds about BULK_ROWS citizens (some 126 bytes a row): known before the copy, when the citizens' own indexes are set aside. */
const BULK_BYTES = 6_000_000;

async function copyKeys(client: PoolClient, keysFile: string, bulk: boolean): Promise<void> {
  const copy = () =>
    pipeline(createReadStream(keysFile), client.query(copyFrom('copy citizen_blocking_keys (rule, key, citizen_id) from stdin with (format csv)')));
  await (bulk ? withKeyIndexesDropped(client, copy) : copy());
}

/** A register snapshot with bad rows or a bad header: every problem found, by row (a CSV record, the header row 1); nothing is loaded. */
export class PopulationFileError extends DancuError {
  constructor(readonly problems: string[]) {
    super('POPULATION_FILE_INVALID', `the population file has errors; nothing was loaded:\n  ${problems.join('\n  ')}`, { retriable: false });
  }
}

/** A value as a field of the COPY's CSV: null is an empty field (NULL), text is quoted (an empty string stays one). */
function csvField(value: string | null): string {
  if (value === null) return '';
  return value.includes('"') ? `"${value.replace(/"/g, '""')}"` : `"${value}"`;
}

type LoadedColumn = (typeof LOADED_COLUMNS)[number];
const NAME_COLUMNS = ['full_name', 'name_key', 'family_name', 'middle_name', 'given_name'] as const satisfies readonly LoadedColumn[];
const DATE_COLUMNS = ['date_of_birth', 'dob_precision'] as const satisfies readonly LoadedColumn[];
/**
 * A citizen's COPY line is put together from pieces, each the columns that come from one field of
 * the snapshot, rendered once per distinct value of that field. This is their order; it must be
 * the order of LOADED_COLUMNS, which names the COPY's columns (checked when the module loads).
 */
const LINE_PIECES: readonly (readonly LoadedColumn[])[] = [['citizen_id'], ['personal_id'], NAME_COLUMNS, DATE_COLUMNS, ['sex'], ['address'], ['origin']];
if (LINE_PIECES.flat().join() !== LOADED_COLUMNS.join()) {
  throw new InternalError(
    `a population load's pieces of a line (${LINE_PIECES.flat().join()}) are not the citizens columns it copies (${LOADED_COLUMNS.join()})`,
  );
}

interface NormalisedRow {
  citizenLine: string;
  keyLines: string;
}

/** A snapshot's name worked out once: the citizen's name columns as CSV and the name's match features. */
interface NameEntry {
  csv: string;
  features: NameFeatures;
}

/** A date of birth worked out once; null `csv` when the date does not parse (`problem` says why). */
type DateEntry = { csv: string; features: DateFeatures } | { csv: null; problem: string };

interface AddressEntry {
  csv: string;
  features: AddressFeatures;
}

const features = normalisedFieldFeatures;
/** No date of birth: both date columns empty (NULL). */
const NO_DATE: DateEntry = { csv: ',', features: features.date(null) };

/**
 * Snapshot rows normalised one after another. Each distinct name, date, sex and address is worked
 * out once, with everything the load needs of it (normalised value, its columns as CSV, its match
 * features): a register of a million repeats some tens of thousands of names and dates, and
 * working them out again for every citizen was most of a load's own time; one cache per field
 * also means one lookup per field and row.
 */
class RowNormaliser {
  private readonly names = new Map<string, NameEntry | null>();
  private readonly dates = new Map<string, DateEntry>();
  private readonly sexes = new Map<string, ReturnType<typeof parseSex>>();
  private readonly addresses = new Map<string, AddressEntry>();
  private readonly noAddress: AddressEntry = { csv: '', features: features.address(null) };
  private readonly origin: string;

  constructor(
    origin: string,
    private readonly settings: LinkageSettings,
  ) {
    this.origin = csvField(origin);
  }

  /** One snapshot row (`at`: its number, the header row 1) → its COPY line for citizens and its blocking-key lines, or a problem naming the row. */
  normalise(row: Record<string, string>, at: number): NormalisedRow | { problem: string } {
    const problems: string[] = [];
    const citizenId = cleanText(row.citizen_id ?? '');
    if (!citizenId) problems.push('citizen_id is empty');
    const name = cached(this.names, row.full_name ?? '', nameEntry);
    if (!name) problems.push('full_name is empty');
    const rawPid = (row.personal_id ?? '').trim() || citizenId;
    const pid = parsePersonalId(rawPid);
    const personalId = pid.kind === 'personal' ? pid.value : null;
    const date = row.date_of_birth?.trim() ? cached(this.dates, row.date_of_birth, dateEntry) : NO_DATE;
    if (date.csv === null) problems.push(`date_of_birth: ${date.problem}`);
    const sex = row.sex?.trim() ? cached(this.sexes, row.sex, parseSex) : undefined;
    if (row.sex?.trim() && !sex) problems.push('sex is not M/F, male/female or nam/nữ');
    if (problems.length > 0 || !name || date.csv === null) return { problem: `row ${at}: ${problems.join('; ')}` };
    const address = row.address ? cached(this.addresses, row.address, addressEntry) : this.noAddress;
    const id = csvField(citizenId);
    const citizenLine = `${id},${csvField(personalId)},${name.csv},${date.csv},${csvField(sex ?? null)},${address.csv},${this.origin}\n`;
    const match = features.record(citizenId, personalId, name.features, date.features, sex ?? null, address.features);
    let keyLines = '';
    for (const { rule, key } of citizenKeyRows(this.settings, match)) keyLines += `${csvField(rule)},${csvField(key)},${id}\n`;
    return { citizenLine, keyLines };
  }
}

function nameEntry(raw: string): NameEntry | null {
  const name = normaliseName(raw);
  if (!name) return null;
  return { csv: NAME_COLUMNS.map((column) => csvField(name[column])).join(','), features: features.name(name.name_key) };
}

function dateEntry(raw: string): DateEntry {
  const parsed = parsePartialDate(raw);
  if (!parsed.ok) return { csv: null, problem: parsed.reason };
  const { date } = parsed;
  return { csv: `${csvField(date.value)},${csvField(date.precision)}`, features: features.date(date) };
}

function addressEntry(raw: string): AddressEntry {
  const address = cleanText(raw) || null;
  return { csv: csvField(address), features: features.address(address) };
}

/**
 * Bulk-loads a register snapshot (CSV: citizen_id, full_name, date_of_birth, sex, address and
 * optionally personal_id) with COPY, normalising each row on the way and writing its blocking
 * keys. All or nothing: a file with bad rows loads nothing and reports the first ones by row (a CSV
 * record, the header row 1: blank lines are skipped and a quoted field may hold line breaks).
 */
export async function loadPopulation(
  pool: Pool,
  file: string,
  settings: LinkageSettings,
  onProgress?: (rows: number) => void,
): Promise<{ loadId: number; rows: number }> {
  const scratch = mkdtempSync(join(tmpdir(), 'dancu-load-'));
  try {
    const loaded = await inTransaction(pool, (client) => copySnapshot(client, file, settings, join(scratch, 'keys.csv'), onProgress));
    await vacuumKeys(pool);
    return loaded;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Citizens are copied as the file streams by; their keys go to a scratch file, copied after. */
async function copySnapshot(
  client: PoolClient,
  file: string,
  settings: LinkageSettings,
  keysFile: string,
  onProgress?: (rows: number) => void,
): Promise<{ loadId: number; rows: number }> {
  const {
    rows: [load],
  } = await client.query<{ load_id: string }>('insert into population_loads (file_name, row_count) values ($1, 0) returning load_id', [basename(file)]);
  const loadId = Number(load?.load_id);
  const normaliser = new RowNormaliser(`snapshot:${loadId}`, settings);
  const problems: string[] = [];
  const bulkFile = statSync(file).size >= BULK_BYTES;
  if (bulkFile) await dropSearchIndex(client);
  const keysOut = createWriteStream(keysFile);
  const copyCitizens = client.query(copyFrom(`copy citizens (${CITIZENS.list(LOADED_COLUMNS)}) from stdin with (format csv)`));
  let rows = 0;
  try {
    let columns: string[] | null = null;
    // A batch of rows becomes one write to each stream: a write per row was a system call per row.
    for await (const batch of csvFileRows(file)) {
      let citizenLines = '';
      let keyLines = '';
      for (const cells of batch) {
        if (columns === null) {
          columns = cells.map((name) => name.trim());
          const missing = POPULATION_COLUMNS.filter((name) => !columns!.includes(name));
          if (missing.length > 0) throw new PopulationFileError([`the header lacks ${missing.join(', ')}`]);
          continue;
        }
        rows += 1;
        if (onProgress && rows % 100_000 === 0) onProgress(rows);
        if (cells.length !== columns.length) {
          if (problems.length < MAX_REPORTED_ERRORS) problems.push(`row ${rows + 1}: ${cells.length} fields, the header has ${columns.length}`);
          continue;
        }
        const row: Record<string, string> = {};
        columns.forEach((name, i) => {
          row[name] = cells[i]!;
        });
        const normalised = normaliser.normalise(row, rows + 1);
        if ('problem' in normalised) {
          if (problems.length < MAX_REPORTED_ERRORS) problems.push(normalised.problem);
          continue;
        }
        citizenLines += normalised.citizenLine;
        keyLines += normalised.keyLines;
      }
      const waits: Promise<unknown>[] = [];
      if (citizenLines && !copyCitizens.write(citizenLines)) waits.push(once(copyCitizens, 'drain'));
      if (keyLines && !keysOut.write(keyLines)) waits.push(once(keysOut, 'drain'));
      await Promise.all(waits);
    }
    copyCitizens.end();
    await finished(copyCitizens);
  } catch (error) {
    // Ends the COPY with CopyFail, so the connection is usable for the rollback.
    copyCitizens.destroy(error instanceof Error ? error : new Error(String(error)));
    await finished(copyCitizens).catch(() => undefined);
    throw error;
  } finally {
    await new Promise<void>((resolve) => keysOut.end(() => resolve()));
  }
  if (problems.length > 0) throw new PopulationFileError(problems);
  if (bulkFile) await buildSearchIndex(client);
  await copyKeys(client, keysFile, rows >= BULK_ROWS);
  await client.query('update population_loads set row_count = $1 where load_id = $2', [rows, loadId]);
  onProgress?.(rows);
  return { loadId, rows };
}
