import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { once } from 'node:events';
import { finished, pipeline } from 'node:stream/promises';
import { cached, csvFileRows } from '../csv-rows.js';
import { DancuError } from '../errors.js';
import { from as copyFrom } from 'pg-copy-streams';
import { parsePartialDate } from '../normalise/date.js';
import { normaliseName } from '../normalise/name.js';
import { parsePersonalId } from '../normalise/personal-id.js';
import { parseSex } from '../normalise/sex.js';
import { cleanText } from '../normalise/text.js';
import { citizenKeyRows } from '../linkage/citizen-keys.js';
import { MatchRecordReader } from '../linkage/match-record.js';
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

/** A register snapshot with bad rows or a bad header: every problem found, by line; nothing is loaded. */
export class PopulationFileError extends DancuError {
  constructor(readonly problems: string[]) {
    super('POPULATION_FILE_INVALID', `the population file has errors; nothing was loaded:\n  ${problems.join('\n  ')}`, { retriable: false });
  }
}

function csvField(value: string | null): string {
  return value === null ? '' : `"${value.replace(/"/g, '""')}"`;
}

interface NormalisedRow {
  citizenLine: string;
  keyLines: string;
}

/**
 * Snapshot rows normalised one after another, each distinct name, date, sex and address worked
 * out once: a register of a million repeats some tens of thousands of names and dates, and
 * normalising them again for every citizen was most of a load's own time.
 */
class RowNormaliser {
  private readonly names = new Map<string, ReturnType<typeof normaliseName>>();
  private readonly dates = new Map<string, ReturnType<typeof parsePartialDate>>();
  private readonly sexes = new Map<string, ReturnType<typeof parseSex>>();
  private readonly addresses = new Map<string, string | null>();
  private readonly records = new MatchRecordReader();

  constructor(
    private readonly origin: string,
    private readonly settings: LinkageSettings,
  ) {}

  /** One snapshot row → its COPY line for citizens and its blocking-key lines, or a problem with its line number. */
  normalise(row: Record<string, string>, line: number): NormalisedRow | { problem: string } {
    const problems: string[] = [];
    const citizenId = cleanText(row.citizen_id ?? '');
    if (!citizenId) problems.push('citizen_id is empty');
    const name = cached(this.names, row.full_name ?? '', normaliseName);
    if (!name) problems.push('full_name is empty');
    const rawPid = (row.personal_id ?? '').trim() || citizenId;
    const pid = parsePersonalId(rawPid);
    const personalId = pid.kind === 'personal' ? pid.value : null;
    const dob = row.date_of_birth?.trim() ? cached(this.dates, row.date_of_birth, parsePartialDate) : null;
    if (dob && !dob.ok) problems.push(`date_of_birth: ${dob.reason}`);
    const sex = row.sex?.trim() ? cached(this.sexes, row.sex, parseSex) : undefined;
    if (row.sex?.trim() && !sex) problems.push('sex is not M/F, male/female or nam/nữ');
    if (problems.length > 0 || !name) return { problem: `line ${line}: ${problems.join('; ')}` };
    const date = dob?.ok ? dob.date : null;
    const address = row.address ? cached(this.addresses, row.address, (raw) => cleanText(raw) || null) : null;
    const citizen: Record<(typeof LOADED_COLUMNS)[number], string | null> = {
      citizen_id: citizenId,
      personal_id: personalId,
      full_name: name.full_name,
      name_key: name.name_key,
      family_name: name.family_name,
      middle_name: name.middle_name,
      given_name: name.given_name,
      date_of_birth: date?.value ?? null,
      dob_precision: date?.precision ?? null,
      sex: sex ?? null,
      address,
      origin: this.origin,
    };
    const citizenLine = `${LOADED_COLUMNS.map((column) => csvField(citizen[column])).join(',')}\n`;
    const match = this.records.readPerson(citizenId, { ...name, personal_id: personalId, legacy_id: null, date_of_birth: date, sex: sex ?? null, address });
    const keyLines = citizenKeyRows(this.settings, match)
      .map(({ rule, key }) => `${[rule, key, citizenId].map(csvField).join(',')}\n`)
      .join('');
    return { citizenLine, keyLines };
  }
}

/**
 * Bulk-loads a register snapshot (CSV: citizen_id, full_name, date_of_birth, sex, address and
 * optionally personal_id) with COPY, normalising each row on the way and writing its blocking
 * keys. All or nothing: a file with bad rows loads nothing and reports the first ones by line.
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
          if (problems.length < MAX_REPORTED_ERRORS) problems.push(`line ${rows + 1}: ${cells.length} fields, the header has ${columns.length}`);
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
