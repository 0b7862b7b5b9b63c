import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig as loadCliConfig } from '../cli/config.js';
import { createDatabase, dropDatabase, otherDatabaseUrl } from '../cli/stack/postgres-node.js';
import { csvFileRows } from '../shared/csv-rows.js';
import { ConfigError } from '../shared/errors.js';
import { readTruthCsv } from '../shared/linkage-io/csv-io.js';
import { REPO_ROOT } from '../shared/paths.js';
import { createPool } from '../shared/store/db.js';
import { migrate } from '../shared/store/migrate.js';
import { linkCsvFigures } from './bulk-files.js';
import { registerSize } from './register-size.js';
import { machineLine } from './machine.js';

/**
 * `npm run bench:density`: issue 14's cost curve. For each register size of BENCH_SIZES (national
 * profile, records a tenth of the register up to a million): the files (`dancu synth`, made once),
 * `dancu link-csv` (BENCH_THREADS: its --threads) with its accuracy against the truth, `dancu load-population` into a database
 * of its own (kept: BENCH_REUSE=1 loads again only what is missing), the tables' sizes, the
 * streaming linker against it and the whole pipeline at a fixed offered rate. BENCH_STEPS picks
 * steps (link,load,linker,pipeline). Each step runs in a process of its own, so each peak memory is
 * that step's. Before the linker and the pipeline, the settings their linkers start with
 * (DANCU_LINKAGE_SETTINGS, the committed file by default) are made the register's current version
 * (a reused register may hold an older one, which a linker would decide with), and the version is printed.
 */
const SIZES = (process.env.BENCH_SIZES ?? '100000,1000000,10000000').split(',').map(Number);
const STEPS = new Set((process.env.BENCH_STEPS ?? 'link,load,linker,pipeline').split(','));
const PIPELINE_RATE = Number(process.env.BENCH_RATE ?? 300);
const PIPELINE_EVENTS = Number(process.env.BENCH_EVENTS ?? 6000);
const LINKER_EVENTS = Number(process.env.BENCH_LINKER_EVENTS ?? 20_000);
const DANCU = join(REPO_ROOT, 'bin', 'dancu.js');

interface Timed {
  seconds: number;
  peakMb: number | null;
  stdout: string;
  stderr: string;
}

/** Runs node with `args` in a process of its own; its peak RSS from GNU time where the machine has it. */
function timed(args: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const gnuTime = existsSync('/usr/bin/time');
  const command = gnuTime ? '/usr/bin/time' : process.execPath;
  const started = performance.now();
  const result = spawnSync(command, gnuTime ? ['-f', 'peak-rss-kb %M', process.execPath, ...args] : args, { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${args.slice(-3).join(' ')} failed (${result.status ?? result.signal}): ${result.stderr.slice(-2000)}`);
  const kb = /peak-rss-kb (\d+)/.exec(result.stderr)?.[1];
  return { seconds, peakMb: kb === undefined ? null : Math.round(Number(kb) / 1024), stdout: result.stdout, stderr: result.stderr };
}

interface LinkAccuracy {
  records: number;
  links: number;
  falseLinks: number;
  reviews: number;
  precision: number;
  recall: number;
  reviewRate: number;
}

/** Precision, recall and review rate of a decisions file against synth's truth (a review is neither a true nor a false link). */
async function scoreDecisions(decisionsFile: string, truthFile: string): Promise<LinkAccuracy> {
  const truth = await readTruthCsv(truthFile);
  let records = 0;
  let links = 0;
  let trueLinks = 0;
  let reviews = 0;
  let header = true;
  for await (const rows of csvFileRows(decisionsFile)) {
    for (const [recordId = '', decision = '', citizenId = ''] of rows) {
      if (header) {
        header = false;
        continue;
      }
      records += 1;
      if (decision === 'review') reviews += 1;
      if (decision !== 'link') continue;
      links += 1;
      if (truth.get(recordId) === citizenId) trueLinks += 1;
    }
  }
  const linkable = [...truth.values()].filter((citizen) => citizen !== null).length;
  return {
    records,
    links,
    falseLinks: links - trueLinks,
    reviews,
    precision: links === 0 ? 1 : trueLinks / links,
    recall: linkable === 0 ? 1 : trueLinks / linkable,
    reviewRate: records === 0 ? 0 : reviews / records,
  };
}

/** Heap and index bytes of the register's tables and the whole database, in MB. */
async function tableSizes(databaseUrl: string): Promise<string> {
  const pool = createPool(databaseUrl, 1);
  try {
    const { rows } = await pool.query<{ table: string; heap: string; indexes: string; rows: string }>(
      `select relname as table, pg_table_size(oid) as heap, pg_indexes_size(oid) as indexes, reltuples::bigint as rows
         from pg_class where relname in ('citizens', 'citizen_blocking_keys') and relkind = 'r'`,
    );
    const database = (await pool.query<{ size: string }>('select pg_database_size(current_database()) as size')).rows[0]?.size ?? '0';
    const mb = (bytes: string) => Math.round(Number(bytes) / 2 ** 20).toLocaleString('en');
    return `${rows.map((r) => `${r.table} ${Number(r.rows).toLocaleString('en')} rows, ${mb(r.heap)} + ${mb(r.indexes)} MB of indexes`).join('; ')}; database ${mb(database)} MB`;
  } finally {
    await pool.end();
  }
}

function nationalFiles(size: number): { dir: string; population: string; records: string; truth: string } {
  const records = Math.min(1_000_000, Math.round(size / 10));
  const dir = join(REPO_ROOT, '.dancu', 'bench', `national-${size}-${records}`);
  const files = { dir, population: join(dir, 'population.csv'), records: join(dir, 'records.csv'), truth: join(dir, 'truth.csv') };
  if (!existsSync(files.truth)) {
    const synth = timed([DANCU, 'synth', '--profile', 'national', '--population', String(size), '--records', String(records), '--seed', '77', '--out', dir]);
    console.log(`  synth: ${synth.seconds.toFixed(0)} s, peak RSS ${synth.peakMb ?? '?'} MB`);
  }
  return files;
}

async function densityRow(size: number, cli: { DATABASE_URL: string; DANCU_LINKAGE_SETTINGS: string }): Promise<void> {
  const baseDatabaseUrl = cli.DATABASE_URL;
  console.log(`\n${size.toLocaleString('en')} citizens (national profile)`);
  const files = nationalFiles(size);
  if (STEPS.has('link')) {
    const out = join(files.dir, 'decisions.csv');
    const threads = process.env.BENCH_THREADS ? ['--threads', process.env.BENCH_THREADS] : [];
    const run = timed([DANCU, 'link-csv', '--population', files.population, '--records', files.records, '--out', out, ...threads]);
    const f = linkCsvFigures(run.stderr);
    const a = await scoreDecisions(out, files.truth);
    console.log(`  link-csv: ${f.summary}`);
    console.log(
      `  link-csv: whole ${run.seconds.toFixed(0)} s (read ${f.read.toFixed(0)} s, parameters ${f.estimate.toFixed(0)} s, linking ${f.link.toFixed(0)} s = ${f.perSecond.toLocaleString('en')} records/s), peak RSS ${f.peakMb.toLocaleString('en')} MB`,
    );
    console.log(`  link-csv: ${/candidates per record: .*/.exec(run.stderr)?.[0] ?? 'candidates per record not reported'}`);
    const generic = /generic keys skipped: .*/.exec(run.stderr)?.[0];
    if (generic) console.log(`  link-csv: ${generic}`);
    console.log(
      `  accuracy: precision ${a.precision.toFixed(5)} (${a.falseLinks} false of ${a.links.toLocaleString('en')} links), recall ${a.recall.toFixed(4)}, review ${(100 * a.reviewRate).toFixed(2)}% (${a.reviews.toLocaleString('en')} of ${a.records.toLocaleString('en')})`,
    );
  }
  const databaseUrl = otherDatabaseUrl(baseDatabaseUrl, `dancu_national_${size}`);
  if (STEPS.has('load')) {
    if (process.env.BENCH_REUSE === '1' && (await registerSize(databaseUrl)) > 0) console.log('  load-population: kept the register an earlier run loaded');
    else {
      await dropDatabase(databaseUrl);
      await createDatabase(databaseUrl);
      await migrate(databaseUrl);
      const load = timed([DANCU, 'load-population', files.population], { ...process.env, DATABASE_URL: databaseUrl });
      console.log(`  load-population: ${load.stdout.trim()}; whole command ${load.seconds.toFixed(0)} s, peak RSS ${load.peakMb ?? '?'} MB`);
    }
    console.log(`  sizes: ${await tableSizes(databaseUrl)}`);
  }
  const registerEnv = { ...process.env, BENCH_REGISTER_DATABASE: `dancu_national_${size}` };
  if (STEPS.has('linker')) {
    const linker = timed(['--max-old-space-size=8192', join(REPO_ROOT, 'dist', 'services', 'bench', 'linker-streaming.js')], {
      ...registerEnv,
      BENCH_RECORDS_FILE: files.records,
      BENCH_EVENTS: String(LINKER_EVENTS),
    });
    console.log(
      `  ${/^linker: .*$/m.exec(linker.stdout)?.[0] ?? linker.stdout.trim()} (bench process with the linker in it: peak RSS ${linker.peakMb ?? '?'} MB)`,
    );
  }
  if (STEPS.has('pipeline')) {
    const pipeline = timed(['--max-old-space-size=8192', join(REPO_ROOT, 'dist', 'services', 'bench', 'pipeline-load.js')], {
      ...registerEnv,
      BENCH_POPULATION_FILE: files.population,
      BENCH_RATE: String(PIPELINE_RATE),
      BENCH_EVENTS: String(PIPELINE_EVENTS),
      BENCH_LABEL: `density-${size}`,
    });
    for (const line of pipeline.stdout.split('\n').filter((l) => /^(applied|end-to-end latency|peak RSS|peak lag)/.test(l)))
      console.log(`  pipeline at ${PIPELINE_RATE}/s: ${line}`);
  }
}

async function main(): Promise<void> {
  console.log(machineLine());
  const cli = loadCliConfig(process.env);
  for (const size of SIZES) await densityRow(size, cli);
}

await main().catch((error: unknown) => {
  // A register the bench cannot measure as it is says so in one line; anything else is a bug, with its stack.
  if (!(error instanceof ConfigError)) throw error;
  console.error(`bench:density: ${error.message}`);
  process.exitCode = 1;
});
