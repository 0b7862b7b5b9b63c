import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../../shared/errors.js';
import { REPO_ROOT } from '../../shared/paths.js';

/**
 * Citus (the extension that shards PostgreSQL tables over a coordinator and workers) built once
 * per machine from the vendored source (stack/citus/build.sh), into a cache folder outside the
 * clone: a PostgreSQL installation of its own whose server programs load Citus, while the
 * machine's PostgreSQL stays as it is. Concurrent builds (two clones, two tests) wait on a flock.
 */
const run = promisify(execFile);

export const CITUS_VERSION = '13.2.2';
const PG_CONFIG = process.env.PG_CONFIG ?? '/usr/lib/postgresql/15/bin/pg_config';
const BUILD_SCRIPT = join(REPO_ROOT, 'stack', 'citus', 'build.sh');
const PREREQUISITES = 'apt-get install -y postgresql-server-dev-15 libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libssl-dev';

/** The vendored source: citus-<version>.tar.gz and the patches it needs (DANCU_CITUS_SOURCE, or ../shared/vendor/citus beside the clone). */
export function citusSource(): string {
  return process.env.DANCU_CITUS_SOURCE ?? join(REPO_ROOT, '..', 'shared', 'vendor', 'citus');
}

/**
 * Where the build is kept (DANCU_CITUS_HOME). As root the servers run as `postgres`, which cannot
 * enter root's home: the machine's cache folder then.
 */
export function citusHome(): string {
  const folder = `citus-${CITUS_VERSION}-pg15`;
  if (process.env.DANCU_CITUS_HOME) return process.env.DANCU_CITUS_HOME;
  return userInfo().uid === 0 ? join('/var/cache/dancu', folder) : join(homedir(), '.cache', 'dancu', folder);
}

/** The bin folder of the installation that loads Citus. */
export function citusBinDir(home = citusHome()): string {
  return join(home, 'pg', 'lib', 'postgresql', '15', 'bin');
}

export function citusBuilt(home = citusHome()): boolean {
  const mark = join(home, 'built');
  return existsSync(mark) && readFileSync(mark, 'utf8').trim() === CITUS_VERSION;
}

/** What is missing for a build, as the one line that says how to get it; null when nothing is. */
async function missingPrerequisite(): Promise<string | null> {
  const source = join(citusSource(), `citus-${CITUS_VERSION}.tar.gz`);
  if (!existsSync(source)) return `the Citus source ${source} is missing: set DANCU_CITUS_SOURCE to the folder that holds it`;
  const onPath = async (tool: string) =>
    run('sh', ['-c', `command -v ${tool}`]).then(
      () => true,
      () => false,
    );
  for (const tool of ['cc', 'make', 'flock', 'patch']) {
    if (!(await onPath(tool))) return `building Citus needs \`${tool}\`: install build-essential, util-linux and patch`;
  }
  const includes = await run(PG_CONFIG, ['--includedir-server']).then(
    ({ stdout }) => stdout.trim(),
    () => '',
  );
  if (!includes || !existsSync(join(includes, 'postgres.h'))) return `building Citus needs PostgreSQL 15's server headers and libraries: ${PREREQUISITES}`;
  return null;
}

/** Builds Citus unless built; returns the installation's bin folder. About two minutes on 2 cores, once. */
export async function ensureCitus(log: (line: string) => void = () => undefined): Promise<string> {
  const home = citusHome();
  if (citusBuilt(home)) return citusBinDir(home);
  const missing = await missingPrerequisite();
  if (missing) throw new ConfigError(missing);
  mkdirSync(home, { recursive: true });
  log(`building Citus ${CITUS_VERSION} into ${home} (once, about 2 minutes)`);
  try {
    await run('flock', [`${home}.lock`, 'bash', BUILD_SCRIPT, citusSource(), CITUS_VERSION, home], { env: { ...process.env, PG_CONFIG } });
  } catch (error) {
    const firstLine = (error as Error).message.split('\n').find((line) => line.trim() !== '') ?? 'failed';
    throw new ConfigError(`the Citus build failed (logs in ${home}: configure.log, make.log): ${firstLine}`);
  }
  return citusBinDir(home);
}
