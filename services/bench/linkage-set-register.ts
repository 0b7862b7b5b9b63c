import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse/sync';
import { join } from 'node:path';
import { createDatabase, dropDatabase, otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { ConfigError } from '../shared/errors.js';
import { loadSettings } from '../shared/linkage/settings.js';
import { parsePartialDate } from '../shared/normalise/date.js';
import { normaliseName } from '../shared/normalise/name.js';
import { parsePersonalId } from '../shared/normalise/personal-id.js';
import { parseSex } from '../shared/normalise/sex.js';
import { REPO_ROOT } from '../shared/paths.js';
import type { PersonObservation } from '../shared/schemas/records.js';
import { createPool } from '../shared/store/db.js';
import { migrate } from '../shared/store/migrate.js';
import { loadPopulation } from '../shared/store/population-load.js';
import { DEFAULT_NORMALISING_THREADS } from '../shared/store/population-threads.js';
import { generateLinkageSet, type SyntheticRecord } from '../shared/synth/linkage-set.js';
import { writeLinkageSet } from '../shared/synth/linkage-set-files.js';
import { registerSize } from './register-size.js';

/** A synthetic record as ingest would have normalised it (the linker's input). */
export function observationOf(record: SyntheticRecord, index: number): PersonObservation | null {
  const name = normaliseName(record.full_name);
  if (!name) return null;
  const id = parsePersonalId(record.personal_id);
  const dob = record.date_of_birth ? parsePartialDate(record.date_of_birth) : null;
  return {
    observation_id: `bench-${index}`,
    source: 'vaccination',
    source_system: 'bench',
    source_record_id: record.record_id,
    source_topic: 'bench',
    source_partition: 0,
    source_offset: String(index),
    change_type: 'CREATE',
    event_type: 'VACCINATION',
    event_time: Date.now(),
    source_timestamp: Date.now(),
    ingested_at: Date.now(),
    person: {
      ...name,
      personal_id: id.kind === 'personal' ? id.value : null,
      legacy_id: null,
      date_of_birth: dob?.ok ? dob.date : null,
      sex: parseSex(record.sex) ?? null,
      address: record.address || null,
    },
    date_of_death: null,
    event_date: null,
    attributes: {},
    findings: [],
    attempt: 0,
  };
}

/**
 * The linkage benchmarks' register: a linkage set's population (seed 77, 10% of records about
 * people not registered) loaded into the database `dancu_bench` as `dancu load-population` does,
 * and its records. The population does not depend on the number of records, so BENCH_REUSE=1
 * keeps a register an earlier run of any of these benchmarks loaded with as many citizens.
 */
export async function prepareLinkageSetRegister(
  baseDatabaseUrl: string,
  population: number,
  recordCount: number,
): Promise<{ databaseUrl: string; records: SyntheticRecord[]; citizens: number }> {
  const databaseUrl = otherDatabaseUrl(baseDatabaseUrl, 'dancu_bench');
  const generated = performance.now();
  const dir = join(REPO_ROOT, '.dancu', 'bench');
  mkdirSync(dir, { recursive: true });
  // Only the records are kept: a million generated citizens left in memory would slow the linker's garbage collection, which a real linker process does not pay.
  const {
    files,
    records,
    registerSize: citizens,
  } = ((set) => ({ files: writeLinkageSet(set, dir), records: set.records, registerSize: set.population.length }))(
    generateLinkageSet({ population: population, records: recordCount, absentShare: 0.1, seed: 77 }),
  );
  console.log(
    `generated ${citizens.toLocaleString('en')} citizens and ${recordCount.toLocaleString('en')} records in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
  );

  // BENCH_REUSE=1 keeps a register loaded by an earlier run (same seed and size), to time the linker alone.
  const reuse = process.env.BENCH_REUSE === '1' && (await registerSize(databaseUrl)) === citizens;
  if (!reuse) {
    await dropDatabase(databaseUrl);
    await createDatabase(databaseUrl);
    await migrate(databaseUrl);
    const pool = createPool(databaseUrl, 2);
    const loadStarted = performance.now();
    await loadPopulation(pool, files.population, loadSettings(), { threads: DEFAULT_NORMALISING_THREADS });
    console.log(`load-population: ${citizens.toLocaleString('en')} citizens with blocking keys in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s`);
    await pool.end();
  }

  return { databaseUrl, records, citizens };
}

/**
 * A register loaded beforehand (e.g. `dancu synth --profile national` then `load-population`
 * into its own database) and the first `recordCount` records of its records.csv, for the
 * linkage benchmarks at sizes they would take too long to generate each run.
 */
export async function existingRegister(
  databaseUrl: string,
  recordsFile: string,
  recordCount: number,
): Promise<{ databaseUrl: string; records: SyntheticRecord[]; citizens: number }> {
  const citizens = await registerSize(databaseUrl);
  if (citizens <= 0) throw new ConfigError(`BENCH_REGISTER_DATABASE ${databaseUrl} holds no loaded register: load one with dancu load-population first`);
  if (!statSync(recordsFile, { throwIfNoEntry: false })?.isFile())
    throw new ConfigError(
      `BENCH_RECORDS_FILE ${recordsFile || '(not set)'} is not a file: the records of that register (dancu synth writes records.csv beside it)`,
    );
  const lines = createInterface({ input: createReadStream(recordsFile) });
  const records: SyntheticRecord[] = [];
  let header: string[] | null = null;
  for await (const line of lines) {
    const [values] = parse(line) as string[][];
    if (!values) continue;
    if (header === null) header = values;
    else records.push(Object.fromEntries(header.map((column, i) => [column, values[i] ?? ''])) as unknown as SyntheticRecord);
    if (records.length >= recordCount) break;
  }
  lines.close();
  return { databaseUrl, records, citizens };
}
