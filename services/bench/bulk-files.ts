import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared/paths.js';

const DANCU = join(REPO_ROOT, 'bin', 'dancu.js');

export interface BulkFiles {
  population: string;
  records: string;
  truth: string;
}

/**
 * The bulk benchmarks' files, made once by `dancu synth` (seed 77, 10% absent, as issue 13's
 * figures were): a register of BENCH_CITIZENS (1,000,000; synth adds its families' extra
 * members) and BENCH_RECORDS (100,000) records.
 */
export function bulkFiles(): BulkFiles {
  const citizens = Number(process.env.BENCH_CITIZENS ?? 1_000_000);
  const records = Number(process.env.BENCH_RECORDS ?? 100_000);
  const dir = join(REPO_ROOT, '.dancu', 'bench', `bulk-${citizens}-${records}`);
  const files = { population: join(dir, 'population.csv'), records: join(dir, 'records.csv'), truth: join(dir, 'truth.csv') };
  if (!existsSync(files.truth)) {
    execFileSync(process.execPath, [DANCU, 'synth', '--population', String(citizens), '--records', String(records), '--seed', '77', '--out', dir], {
      stdio: 'inherit',
    });
  }
  return files;
}

/** Runs the dancu CLI in a process of its own (so its peak memory is its own) and returns what it printed. */
export function runDancu(args: string[], env: NodeJS.ProcessEnv = process.env): { stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [DANCU, ...args], { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`dancu ${args[0]} failed (${result.status ?? result.signal}): ${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

export function range(values: number[], digits = 1): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `${sorted[0]!.toFixed(digits)} – ${sorted[sorted.length - 1]!.toFixed(digits)}`;
}

/** The figures link-csv prints on stderr at its end. */
export function linkCsvFigures(stderr: string): { read: number; estimate: number; link: number; perSecond: number; peakMb: number; summary: string } {
  const timing = /read ([\d.]+) s, parameters ([\d.]+) s, linking ([\d.]+) s \((\d+) records\/s; \d+ records\/s overall\), peak RSS (\d+) MB/.exec(stderr);
  const summary = /^\d+ records against .*$/m.exec(stderr)?.[0] ?? '';
  if (!timing) throw new Error(`link-csv printed no timing: ${stderr}`);
  const [read, estimate, link, perSecond, peakMb] = timing.slice(1).map(Number) as [number, number, number, number, number];
  return { read, estimate, link, perSecond, peakMb, summary };
}
