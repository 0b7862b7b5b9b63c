/**
 * A register snapshot's rows turned into what a load copies: each row's citizens line and its
 * blocking-key lines, or a problem naming the row. Pure (no database, no thread): the load runs it
 * on its main thread or in normalising threads (population-threads.ts), batch by batch.
 */

import { cached } from '../csv-rows.js';
import { InternalError } from '../errors.js';
import { Utf8Lines } from '../utf8-lines.js';
import { parsePartialDate } from '../normalise/date.js';
import { normaliseName } from '../normalise/name.js';
import { parsePersonalId } from '../normalise/personal-id.js';
import { parseSex } from '../normalise/sex.js';
import { cleanText } from '../normalise/text.js';
import { citizenKeyRows } from '../linkage/citizen-keys.js';
import { normalisedFieldFeatures, type AddressFeatures, type DateFeatures, type NameFeatures } from '../linkage/match-record.js';
import { addressFeaturesToStore } from '../linkage/stored-address-features.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { CITIZEN_CREATED_COLUMNS } from './citizens-table.js';

/** What a register snapshot sets of each citizen, in the order of the COPY: with its address's features, worked out for its keys anyway. */
export const LOADED_COLUMNS = [
  ...CITIZEN_CREATED_COLUMNS.filter((column) => column !== 'place_of_birth' && column !== 'ethnicity'),
  'address_features',
] as const;

export const POPULATION_COLUMNS = ['citizen_id', 'full_name', 'date_of_birth', 'sex', 'address'] as const;
/** Problems a batch reports at most: a load reports the first ones only. */
export const MAX_REPORTED_ERRORS = 20;

/** A value as a field of the COPY's CSV: null is an empty field (NULL), text is quoted (an empty string stays one). */
function csvField(value: string | null): string {
  if (value === null) return '';
  return value.includes('"') ? `"${value.replace(/"/g, '""')}"` : `"${value}"`;
}

const COPY_TEXT_SPECIAL = /[\\\t\n\r]/;
const COPY_TEXT_SPECIALS = new RegExp(COPY_TEXT_SPECIAL.source, 'g');
const COPY_TEXT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * A value as a field of COPY's text format (never null here): backslash, tab, line feed and
 * carriage return escaped. The blocking keys are copied in text rather than CSV: no quotes, 12%
 * fewer bytes, and PostgreSQL reads 9 million key rows in about 3.9 s instead of 5.0-5.3 s.
 */
export function copyTextField(value: string): string {
  return COPY_TEXT_SPECIAL.test(value) ? value.replace(COPY_TEXT_SPECIALS, (c) => COPY_TEXT_ESCAPES[c]!) : value;
}

type LoadedColumn = (typeof LOADED_COLUMNS)[number];
const NAME_COLUMNS = ['full_name', 'name_key', 'family_name', 'middle_name', 'given_name'] as const satisfies readonly LoadedColumn[];
const DATE_COLUMNS = ['date_of_birth', 'dob_precision'] as const satisfies readonly LoadedColumn[];
/**
 * A citizen's COPY line is put together from pieces, each the columns that come from one field of
 * the snapshot, rendered once per distinct value of that field. This is their order; it must be
 * the order of LOADED_COLUMNS, which names the COPY's columns (checked when the module loads).
 */
const LINE_PIECES: readonly (readonly LoadedColumn[])[] = [
  ['citizen_id'],
  ['personal_id'],
  NAME_COLUMNS,
  DATE_COLUMNS,
  ['sex'],
  ['address'],
  ['origin'],
  ['address_features'],
];
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
  /** The address_features column as CSV (empty, NULL, without an address). */
  stored: string;
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
export class RowNormaliser {
  private readonly names = new Map<string, NameEntry | null>();
  private readonly dates = new Map<string, DateEntry>();
  private readonly sexes = new Map<string, ReturnType<typeof parseSex>>();
  private readonly addresses = new Map<string, AddressEntry>();
  private readonly noAddress: AddressEntry = { csv: '', features: features.address(null), stored: '' };
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
    const { citizen_id: citizenId, personal_id: personalId } = loadedIds(row);
    if (!citizenId) problems.push('citizen_id is empty');
    const name = cached(this.names, row.full_name ?? '', nameEntry);
    if (!name) problems.push('full_name is empty');
    const date = row.date_of_birth?.trim() ? cached(this.dates, row.date_of_birth, dateEntry) : NO_DATE;
    if (date.csv === null) problems.push(`date_of_birth: ${date.problem}`);
    const sex = row.sex?.trim() ? cached(this.sexes, row.sex, parseSex) : undefined;
    if (row.sex?.trim() && !sex) problems.push('sex is not M/F, male/female or nam/nữ');
    if (problems.length > 0 || !name || date.csv === null) return { problem: `row ${at}: ${problems.join('; ')}` };
    const address = row.address ? cached(this.addresses, row.address, addressEntry) : this.noAddress;
    const citizenLine = `${csvField(citizenId)},${csvField(personalId)},${name.csv},${date.csv},${csvField(sex ?? null)},${address.csv},${this.origin},${address.stored}\n`;
    const match = features.record(citizenId, personalId, name.features, date.features, sex ?? null, address.features);
    const id = copyTextField(citizenId);
    let keyLines = '';
    for (const { rule, key } of citizenKeyRows(this.settings, match)) keyLines += `${copyTextField(rule)}\t${copyTextField(key)}\t${id}\n`;
    return { citizenLine, keyLines };
  }
}

/**
 * A snapshot row's IDs as a load writes them: the citizen_id cleaned, and the personal_id (the
 * citizen_id when the row has none) when it reads as a personal ID, else null.
 */
export function loadedIds(row: Record<string, string>): { citizen_id: string; personal_id: string | null } {
  const citizenId = cleanText(row.citizen_id ?? '');
  const pid = parsePersonalId((row.personal_id ?? '').trim() || citizenId);
  return { citizen_id: citizenId, personal_id: pid.kind === 'personal' ? pid.value : null };
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
  const matched = features.address(address);
  return { csv: csvField(address), features: matched, stored: address === null ? '' : csvField(addressFeaturesToStore(matched)) };
}

/**
 * A batch of snapshot rows as the load copies them, as UTF-8 (each in an ArrayBuffer of its own,
 * which a thread transfers); `problems` names the bad rows (at most MAX_REPORTED_ERRORS), which load nothing.
 */
export interface NormalisedBatch {
  citizenLines: Uint8Array;
  keyLines: Uint8Array;
  /** Citizens in `citizenLines`: the rows without a problem. */
  citizens: number;
  problems: string[];
}

/** About what a citizen's line and its key lines take: a batch's bytes seldom grow more than once. */
const CITIZEN_LINE_BYTES = 192;
const KEY_LINES_BYTES = 512;

/**
 * Rows of a snapshot after its header (`columns`), the first of them row `firstRow` of the file
 * (a CSV record; the header row 1), as one piece of each COPY: a write per row was a system call per row.
 */
export function normaliseBatch(normaliser: RowNormaliser, columns: readonly string[], cells: readonly string[][], firstRow: number): NormalisedBatch {
  const citizenLines = new Utf8Lines(cells.length * CITIZEN_LINE_BYTES);
  const keyLines = new Utf8Lines(cells.length * KEY_LINES_BYTES);
  const problems: string[] = [];
  let citizens = 0;
  cells.forEach((fields, i) => {
    const at = firstRow + i;
    if (fields.length !== columns.length) {
      if (problems.length < MAX_REPORTED_ERRORS) problems.push(`row ${at}: ${fields.length} fields, the header has ${columns.length}`);
      return;
    }
    const row: Record<string, string> = {};
    columns.forEach((name, c) => {
      row[name] = fields[c]!;
    });
    const normalised = normaliser.normalise(row, at);
    if ('problem' in normalised) {
      if (problems.length < MAX_REPORTED_ERRORS) problems.push(normalised.problem);
      return;
    }
    citizenLines.add(normalised.citizenLine);
    keyLines.add(normalised.keyLines);
    citizens += 1;
  });
  return { citizenLines: citizenLines.bytes(), keyLines: keyLines.bytes(), citizens, problems };
}
