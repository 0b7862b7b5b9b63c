import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../shared/paths.js';
import { parseDemoRun, withoutPassword, type DemoRun } from './run-settings.js';

/** Where `dancu demo` leaves its run for `--demo` (under .dancu/, which git ignores). */
export const DEMO_RUN_FILE = join(REPO_ROOT, '.dancu', 'demo-run.json');

/** The last demo's run; null when no demo has run here. */
export function readDemoRun(file: string = DEMO_RUN_FILE): DemoRun | null {
  return existsSync(file) ? parseDemoRun(readFileSync(file, 'utf8'), file) : null;
}

/** Records a demo run for later commands, its database URL without the password. */
export function writeDemoRun(run: DemoRun, file: string = DEMO_RUN_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...run, databaseUrl: withoutPassword(run.databaseUrl) }, null, 2)}\n`);
}
