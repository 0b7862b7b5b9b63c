import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CITUS_COORDINATOR_PORT, createCitusDatabase, dropCitusDatabase } from '../cli/stack/citus-node.js';
import { createDatabase, dropDatabase, otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { distributeRegister } from '../shared/store/citus-distribution.js';
import { loadSettings } from '../shared/linkage/settings.js';
import { REPO_ROOT } from '../shared/paths.js';
import { createPool } from '../shared/store/db.js';
import { migrate } from '../shared/store/migrate.js';
import { loadPopulation } from '../shared/store/population-load.js';
import { DEFAULT_NORMALISING_THREADS } from '../shared/store/population-threads.js';
import { generatePopulation, populationCsv, type SyntheticCitizen } from '../shared/synth/population.js';
import { csvFileRows, detached } from '../shared/csv-rows.js';
import { SeededRandom } from '../shared/random.js';
import type { Sex } from '../shared/schemas/records.js';
import { registerSize } from './register-size.js';

/**
 * What an earlier run of the benchmark added, removed so counts start from zero: the events'
 * tables emptied, the citizens they created dropped. Values events changed in loaded citizens
 * stay changed (they are synthetic, and each run draws a new day).
 */
async function forgetEarlierRuns(databaseUrl: string): Promise<void> {
  const pool = createPool(databaseUrl, 1);
  try {
    await pool.query(
      `truncate processed_events, record_links, field_provenance, review_cases, outbox, citizen_facts, unlinked_records, unlinked_keys, quality_findings, observation_outcomes, record_deletions cascade`,
    );
    await pool.query(`delete from citizen_blocking_keys where citizen_id in (select citizen_id from citizens where origin like 'source:%')`);
    await pool.query(`delete from citizens where origin like 'source:%'`);
  } finally {
    await pool.end();
  }
}

/**
 * A benchmark's register of `citizens` synthetic people (seed 101) in its own database, loaded
 * as `dancu load-population` does. With BENCH_REUSE=1 a database an earlier run loaded with the
 * same number of citizens is kept (the load of a million takes minutes), only migrated.
 */
export async function prepareBenchRegister(
  baseDatabaseUrl: string,
  databaseName: string,
  citizens: number,
): Promise<{ databaseUrl: string; population: SyntheticCitizen[] }> {
  const databaseUrl = otherDatabaseUrl(baseDatabaseUrl, databaseName);
  const population = generatePopulation(citizens, 101);
  if (process.env.BENCH_REUSE === '1' && (await registerSize(databaseUrl)) === citizens) {
    await migrate(databaseUrl);
    await forgetEarlierRuns(databaseUrl);
    return { databaseUrl, population };
  }
  // DATABASE_URL at the Citus coordinator (`stack up --citus`): the register distributed as there (BENCH_CITUS_SHARDS shards per table, 32 by default).
  const citus = Number(new URL(databaseUrl).port) === CITUS_COORDINATOR_PORT;
  await (citus ? dropCitusDatabase : dropDatabase)(databaseUrl);
  await (citus ? createCitusDatabase : createDatabase)(databaseUrl);
  await migrate(databaseUrl);
  if (citus) await distributeRegister(databaseUrl, Number(process.env.BENCH_CITUS_SHARDS ?? 32));
  const dir = join(REPO_ROOT, '.dancu', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${databaseName}-population.csv`);
  writeFileSync(file, populationCsv(population));
  const pool = createPool(databaseUrl, 2);
  const started = performance.now();
  await loadPopulation(pool, file, loadSettings(), { threads: DEFAULT_NORMALISING_THREADS });
  await pool.end();
  console.log(`loaded ${citizens.toLocaleString('en')} citizens in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { databaseUrl, population };
}

/**
 * A register loaded beforehand (e.g. `dancu load-population` of a 10 M national register) and a
 * uniform sample of `sampleSize` of its citizens read from the file it was loaded from: the day's
 * events are drawn about the sample (holding the whole register in memory is what a national
 * size rules out), and link against every citizen.
 */
export async function existingBenchRegister(
  databaseUrl: string,
  populationFile: string,
  sampleSize: number,
): Promise<{ databaseUrl: string; population: SyntheticCitizen[]; citizens: number }> {
  if (!existsSync(populationFile)) throw new Error(`BENCH_POPULATION_FILE must name the population.csv the register was loaded from (got '${populationFile}')`);
  const citizens = await registerSize(databaseUrl);
  if (citizens <= 0)
    throw new Error(`the register database ${new URL(databaseUrl).pathname.slice(1)} holds no citizens: load it first (dancu load-population)`);
  await migrate(databaseUrl);
  await forgetEarlierRuns(databaseUrl);
  const random = new SeededRandom(101);
  const population: SyntheticCitizen[] = [];
  let seen = 0;
  let header = true;
  for await (const rows of csvFileRows(populationFile)) {
    for (const row of rows) {
      if (header) {
        header = false;
        continue;
      }
      seen += 1;
      const slot = seen <= sampleSize ? seen - 1 : random.int(0, seen - 1);
      if (slot >= sampleSize) continue;
      const [citizen_id = '', full_name = '', date_of_birth = '', sex = '', address = '', personal_id = ''] = row.map(detached);
      population[slot] = { citizen_id, full_name, date_of_birth, sex: sex as Sex, address, personal_id: personal_id || citizen_id };
    }
  }
  return { databaseUrl, population, citizens };
}
