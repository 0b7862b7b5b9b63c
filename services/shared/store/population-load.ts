import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { DancuError } from '../errors.js';
import { from as copyFrom } from 'pg-copy-streams';
import { parsePartialDate } from '../normalise/date.js';
import { normaliseName } from '../normalise/name.js';
import { parsePersonalId } from '../normalise/personal-id.js';
import { parseSex } from '../normalise/sex.js';
import { cleanText } from '../normalise/text.js';
import { citizenKeyRows } from '../linkage/citizen-keys.js';
import { personToMatchRecord } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { CITIZEN_CREATED_COLUMNS, CITIZENS } from './citizens-table.js';
import { inTransaction, type Pool, type PoolClient } from './db.js';
import { vacuumKeys, withKeyIndexesDropped } from './key-indexes.js';

/** What a register snapshot sets of each citizen, in the order of the COPY. */
const LOADED_COLUMNS = CITIZEN_CREATED_COLUMNS.filter((column) => column !== 'place_of_birth' && column !== 'ethnicity');

export const POPULATION_COLUMNS = ['citizen_id', 'full_name', 'date_of_birth', 'sex', 'address'] as const;
const MAX_REPORTED_ERRORS = 20;
/** From this many rows on, the key indexes are dropped during the copy and rebuilt after: far faster than growing them row by row. */
const BULK_ROWS = 50_000;

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

/** One snapshot row → its COPY line for citizens and its blocking-key lines, or a problem with its line number. */
function normaliseRow(row: Record<string, string>, line: number, origin: string, settings: LinkageSettings): NormalisedRow | { problem: string } {
  const problems: string[] = [];
  const citizenId = cleanText(row.citizen_id ?? '');
  if (!citizenId) problems.push('citizen_id is empty');
  const name = normaliseName(row.full_name ?? '');
  if (!name) problems.push('full_name is empty');
  const rawPid = (row.personal_id ?? '').trim() || citizenId;
  const pid = parsePersonalId(rawPid);
  const personalId = pid.kind === 'personal' ? pid.value : null;
  const dob = row.date_of_birth?.trim() ? parsePartialDate(row.date_of_birth) : null;
  if (dob && !dob.ok) problems.push(`date_of_birth: ${dob.reason}`);
  const sex = row.sex?.trim() ? parseSex(row.sex) : undefined;
  if (row.sex?.trim() && !sex) problems.push('sex is not M/F, male/female or nam/nữ');
  if (problems.length > 0 || !name) return { problem: `line ${line}: ${problems.join('; ')}` };
  const date = dob?.ok ? dob.date : null;
  const address = row.address ? cleanText(row.address) || null : null;
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
    origin,
  };
  const citizenLine = `${LOADED_COLUMNS.map((column) => csvField(citizen[column])).join(',')}\n`;
  const match = personToMatchRecord(citizenId, { ...name, personal_id: personalId, legacy_id: null, date_of_birth: date, sex: sex ?? null, address });
  const keyLines = citizenKeyRows(settings, match)
    .map(({ rule, key }) => `${[rule, key, citizenId].map(csvField).join(',')}\n`)
    .join('');
  return { citizenLine, keyLines };
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
  const origin = `snapshot:${loadId}`;
  const problems: string[] = [];
  const keysOut = createWriteStream(keysFile);
  let rows = 0;
  const transform = new Transform({
    objectMode: true,
    transform(row: Record<string, string>, _encoding: BufferEncoding, callback: TransformCallback) {
      rows += 1;
      if (onProgress && rows % 100_000 === 0) onProgress(rows);
      const normalised = normaliseRow(row, rows + 1, origin, settings);
      if ('problem' in normalised) {
        if (problems.length < MAX_REPORTED_ERRORS) problems.push(normalised.problem);
        callback();
      } else if (keysOut.write(normalised.keyLines)) {
        callback(null, normalised.citizenLine);
      } else {
        keysOut.once('drain', () => callback(null, normalised.citizenLine));
      }
    },
  });
  const parser = parse({
    columns: (header: string[]) => {
      const columns = header.map((name) => name.trim());
      const missing = POPULATION_COLUMNS.filter((name) => !columns.includes(name));
      if (missing.length > 0) throw new PopulationFileError([`the header lacks ${missing.join(', ')}`]);
      return columns;
    },
    bom: true,
    trim: true,
    skip_empty_lines: true,
  });
  const copyCitizens = client.query(copyFrom(`copy citizens (${CITIZENS.list(LOADED_COLUMNS)}) from stdin with (format csv)`));
  try {
    await pipeline(createReadStream(file), parser, transform, copyCitizens);
  } finally {
    await new Promise<void>((resolve) => keysOut.end(() => resolve()));
  }
  if (problems.length > 0) throw new PopulationFileError(problems);
  await copyKeys(client, keysFile, rows >= BULK_ROWS);
  await client.query('update population_loads set row_count = $1 where load_id = $2', [rows, loadId]);
  onProgress?.(rows);
  return { loadId, rows };
}
