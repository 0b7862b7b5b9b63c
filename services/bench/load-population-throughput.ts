import { loadConfig } from '../cli/config.js';
import { createDatabase, dropDatabase, otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { migrate } from '../shared/store/migrate.js';
import { bulkFiles, range, runDancu } from './bulk-files.js';
import { machineLine } from './machine.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const DATABASE = process.env.BENCH_DATABASE ?? 'dancu_bench_load';
/** The command's --threads; unset: its default (the cores beyond two, from one to four). */
const THREADS = process.env.BENCH_THREADS;

/**
 * `npm run bench:load-population`: `dancu load-population` of the bulk benchmarks' register (a
 * million citizens) into a fresh, migrated database, BENCH_RUNS times (BENCH_THREADS: its --threads).
 */
async function main(): Promise<void> {
  console.log(`${machineLine()}; threads: ${THREADS ?? 'default'}`);
  const files = bulkFiles();
  const databaseUrl = otherDatabaseUrl(loadConfig(process.env).DATABASE_URL, DATABASE);
  const seconds: number[] = [];
  for (let run = 1; run <= RUNS; run += 1) {
    await dropDatabase(databaseUrl);
    await createDatabase(databaseUrl);
    await migrate(databaseUrl);
    const started = performance.now();
    const { stdout } = runDancu(['load-population', files.population, ...(THREADS ? ['--threads', THREADS] : [])], {
      ...process.env,
      DATABASE_URL: databaseUrl,
    });
    const whole = (performance.now() - started) / 1000;
    seconds.push(whole);
    const rows = Number(/loaded (\d+) citizens/.exec(stdout)?.[1] ?? 0);
    console.log(
      `run ${run}: ${rows.toLocaleString('en')} citizens in ${whole.toFixed(1)} s = ${Math.round(rows / whole).toLocaleString('en')} citizens/s (whole command)`,
    );
  }
  await dropDatabase(databaseUrl);
  console.log(`range: ${range(seconds)} s (target ≤ 50 s)`);
}

await main();
