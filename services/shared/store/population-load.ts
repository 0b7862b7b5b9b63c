import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { csvFileRows } from '../csv-rows.js';
import { DancuError } from '../errors.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { inTransaction, type Pool, type PoolClient } from './db.js';
import { rebuiltConstraintProblem } from './duplicate-rows.js';
import { buildSearchIndex, dropSearchIndex, settleAfterLoad, withKeyIndexesDropped } from './key-indexes.js';
import { withEmptyRegisterPrepared } from './empty-register-load.js';
import { duplicateCitizenProblem, PopulationCopies } from './population-copies.js';
import { MAX_REPORTED_ERRORS, POPULATION_COLUMNS, type NormalisedBatch } from './population-rows.js';
import { normaliserOnThisThread, startNormalisingThreads, type BatchNormaliser, type PopulationThreadSetup } from './population-threads.js';

/**
 * From a file this large on (some 50,000 citizens of 126 bytes), the register's search index, the
 * key indexes and the citizens' unique constraints are dropped before the copy and built once
 * after it: far faster than growing them row by row. Known before the first row, as it must be:
 * the keys are copied as the rows go.
 */
const BULK_BYTES = 6_000_000;

/** A register snapshot with bad rows or a bad header: every problem found, by row (a CSV record, the header row 1); nothing is loaded. */
export class PopulationFileError extends DancuError {
  constructor(readonly problems: string[]) {
    super('POPULATION_FILE_INVALID', `the population file has errors; nothing was loaded:\n  ${problems.join('\n  ')}`, { retriable: false });
  }
}

export interface LoadOptions {
  onProgress?: (rows: number) => void;
  /** Threads that normalise the rows while this one reads the file and feeds the COPY; 1 (the default): this thread does it all. */
  threads?: number;
  /** Key bytes per turn of the two COPYs (population-copies.ts); tests take small turns to have many. */
  segmentBytes?: number;
}

export interface LoadResult {
  loadId: number;
  rows: number;
  /** Turns of the two COPYs (population-copies.ts): a segment's citizens, then its keys. */
  turns: number;
}

/** Rows a normalising thread is given at a time: few enough messages, and a bounded amount of the file in flight. */
const BATCH_ROWS = 2_000;
/** Batches given out per thread and not yet copied: enough that a thread never waits for the next, while memory stays bounded. */
const BATCHES_AHEAD_PER_THREAD = 3;

/**
 * Bulk-loads a register snapshot (CSV: citizen_id, full_name, date_of_birth, sex, address and
 * optionally personal_id) with COPY, normalising each row on the way and writing its blocking
 * keys. All or nothing: a file with bad rows loads nothing and reports the first ones by row (a CSV
 * record, the header row 1: blank lines are skipped and a quoted field may hold line breaks).
 */
export async function loadPopulation(pool: Pool, file: string, settings: LinkageSettings, options: LoadOptions = {}): Promise<LoadResult> {
  const { frozen, ...loaded } = await inTransaction(pool, (client) => copySnapshot(client, file, settings, options)).catch(async (error: unknown) => {
    const duplicate = await rebuiltConstraintProblem(error, file);
    throw duplicate === null ? error : new PopulationFileError([duplicate]);
  });
  await settleAfterLoad(pool, frozen);
  return loaded;
}

function startNormaliser(threads: number, setup: PopulationThreadSetup): Promise<BatchNormaliser> {
  return threads > 1 ? startNormalisingThreads(threads, setup) : Promise.resolve(normaliserOnThisThread(setup));
}

/** An error of the load as it reports it: a citizen_id or personal_id the COPY refused as a duplicate, with the rows found bad before it. */
function asReported(error: unknown, problems: readonly string[], copies: PopulationCopies): unknown {
  const duplicate = duplicateCitizenProblem(error, problems.length === 0 ? copies.citizensBeforeSegment : null);
  return duplicate === null ? error : new PopulationFileError([...problems, duplicate].slice(0, MAX_REPORTED_ERRORS));
}

/** A load's result, and whether its rows were copied frozen (into an empty register: empty-register-load.ts). */
async function copySnapshot(client: PoolClient, file: string, settings: LinkageSettings, options: LoadOptions): Promise<LoadResult & { frozen: boolean }> {
  const {
    rows: [load],
  } = await client.query<{ load_id: string }>('insert into population_loads (file_name, row_count) values ($1, 0) returning load_id', [basename(file)]);
  const loadId = Number(load?.load_id);
  const bulk = statSync(file).size >= BULK_BYTES;
  const copy = async (frozen: boolean) => ({ ...(await copyRows(client, file, `snapshot:${loadId}`, settings, { ...options, frozen })), frozen });
  if (bulk) await dropSearchIndex(client);
  // The citizens' constraints come back first: a duplicate ID fails the load before the keys' longer index builds.
  const { rows, turns, frozen } = await (bulk ? withKeyIndexesDropped(client, () => withEmptyRegisterPrepared(client, copy)) : copy(false));
  if (bulk) await buildSearchIndex(client);
  await client.query('update population_loads set row_count = $1 where load_id = $2', [rows, loadId]);
  options.onProgress?.(rows);
  return { loadId, rows, turns, frozen };
}

/**
 * Copies the file's citizens and their keys (population-copies.ts) and returns how many rows it
 * had and in how many turns they were copied. Rows go to the normaliser in batches, in the file's
 * order, and are copied in that order as they come back, a bounded number of batches ahead of the COPY.
 */
async function copyRows(
  client: PoolClient,
  file: string,
  origin: string,
  settings: LinkageSettings,
  options: LoadOptions & { frozen: boolean },
): Promise<{ rows: number; turns: number }> {
  const threads = Math.max(1, options.threads ?? 1);
  const problems: string[] = [];
  const copies = new PopulationCopies(client, { segmentBytes: options.segmentBytes, frozen: options.frozen });
  let normaliser: BatchNormaliser | null = null;
  let rows = 0;
  try {
    const ahead: Promise<NormalisedBatch>[] = [];
    const copyOldest = async () => {
      const batch = await ahead.shift()!;
      problems.push(...batch.problems.slice(0, MAX_REPORTED_ERRORS - problems.length));
      await copies.add(batch);
    };
    let pending: string[][] = [];
    const giveOut = async () => {
      const batch = normaliser!.normalise(pending, rows - pending.length + 2);
      // Awaited in turn below; a batch failing while an earlier one is awaited must not be an unhandled rejection.
      batch.catch(() => undefined);
      ahead.push(batch);
      pending = [];
      while (ahead.length >= threads * BATCHES_AHEAD_PER_THREAD) await copyOldest();
    };
    let columns: string[] | null = null;
    for await (const piece of csvFileRows(file)) {
      for (const cells of piece) {
        if (columns === null) {
          columns = cells.map((name) => name.trim());
          const missing = POPULATION_COLUMNS.filter((name) => !columns!.includes(name));
          if (missing.length > 0) throw new PopulationFileError([`the header lacks ${missing.join(', ')}`]);
          normaliser = await startNormaliser(threads, { origin, settings, columns });
          continue;
        }
        rows += 1;
        pending.push(cells);
        if (options.onProgress && rows % 100_000 === 0) options.onProgress(rows);
        if (pending.length >= BATCH_ROWS) await giveOut();
      }
    }
    if (pending.length > 0) await giveOut();
    while (ahead.length > 0) await copyOldest();
    await copies.end();
  } catch (error) {
    await copies.abandon(error instanceof Error ? error : new Error(String(error)));
    throw asReported(error, problems, copies);
  } finally {
    // A thread that will not stop must not hide how the load ended.
    await normaliser?.stop().catch(() => undefined);
  }
  if (problems.length > 0) throw new PopulationFileError(problems);
  return { rows, turns: copies.turns };
}
