import { join } from 'node:path';
import { REPO_ROOT } from '../shared/paths.js';
import { bulkFiles, linkCsvFigures as figures, range, runDancu } from './bulk-files.js';
import { machineLine } from './machine.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** link-csv's --threads (its default when unset: one per core, up to four). */
const THREADS = process.env.BENCH_THREADS ? ['--threads', process.env.BENCH_THREADS] : [];

/**
 * `npm run bench:link-csv`: the whole `dancu link-csv` command (default: parameters estimated)
 * on a register of a million and 100,000 records, BENCH_RUNS times, each in its own process
 * (BENCH_THREADS: its linking threads).
 */
async function main(): Promise<void> {
  console.log(machineLine());
  const files = bulkFiles();
  const out = join(REPO_ROOT, '.dancu', 'bench', 'link-csv-decisions.csv');
  const runs = [];
  console.log('run | whole command | read | parameters | linking | records/s linking | records/s overall | peak RSS');
  for (let run = 1; run <= RUNS; run += 1) {
    const started = performance.now();
    const { stderr } = runDancu(['link-csv', '--population', files.population, '--records', files.records, '--out', out, ...THREADS]);
    const whole = (performance.now() - started) / 1000;
    const f = figures(stderr);
    runs.push({ ...f, whole });
    const records = Number(/^(\d+) records/.exec(f.summary)?.[1] ?? 0);
    console.log(
      `${run} | ${whole.toFixed(1)} s | ${f.read.toFixed(1)} s | ${f.estimate.toFixed(1)} s | ${f.link.toFixed(1)} s | ${f.perSecond.toLocaleString('en')} | ${Math.round(records / whole).toLocaleString('en')} | ${f.peakMb.toLocaleString('en')} MB`,
    );
    if (run === 1)
      process.stdout.write(
        `  ${f.summary}\n${stderr
          .split('\n')
          .filter((line) => line.startsWith('  ') || line.startsWith('parameters estimated'))
          .map((line) => `  ${line}\n`)
          .join('')}`,
      );
  }
  console.log(
    `ranges: whole ${range(runs.map((r) => r.whole))} s, peak RSS ${range(
      runs.map((r) => r.peakMb),
      0,
    )} MB (targets: ≤ 30 s, ≤ 1,536 MB)`,
  );
}

await main();
