import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../shared/paths.js';
import type { StackLayout } from './stack-layout.js';

/**
 * The stack's own PostgreSQL cluster: initdb into the stack's folder with the machine's binaries,
 * started on its own port with the committed settings (stack/postgresql.conf), so a benchmark or a
 * test measures the register as it is meant to run, not whatever the machine's server is set to.
 */
const run = promisify(execFile);

export const STACK_POSTGRES_CONFIG = join(REPO_ROOT, 'stack', 'postgresql.conf');

/** The newest PostgreSQL installed in Debian's layout, or the one whose binaries are on PATH. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return join(root, newest, 'bin');
  return '';
}

function tool(name: string): string {
  const dir = binDir();
  return dir ? join(dir, name) : name;
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user. */
async function asOwner(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (userInfo().uid !== 0) return run(command, args);
  return run('runuser', ['-u', 'postgres', '--', command, ...args]);
}

function clusterExists(layout: StackLayout): boolean {
  return existsSync(join(layout.postgresData, 'PG_VERSION'));
}

/** As root, a path the server writes (its data folder, its log) is handed to the `postgres` user. */
async function giveToOwner(path: string): Promise<void> {
  if (userInfo().uid !== 0) return;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  chownSync(path, Number(uid.trim()), Number(gid.trim()));
}

async function initCluster(layout: StackLayout): Promise<void> {
  mkdirSync(layout.postgresData, { recursive: true, mode: 0o700 });
  await giveToOwner(layout.postgresData);
  await asOwner(tool('initdb'), ['-D', layout.postgresData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-instructions']);
}

/** Initialises the cluster on first use, then starts it on `port` and waits until it accepts connections. */
export async function startCluster(layout: StackLayout, port: number): Promise<void> {
  if (!clusterExists(layout)) await initCluster(layout);
  const log = logFile(layout);
  if (!existsSync(log)) writeFileSync(log, '');
  await giveToOwner(log);
  const options = [`-c config_file=${STACK_POSTGRES_CONFIG}`, '-c listen_addresses=127.0.0.1', `-p ${port}`, "-c unix_socket_directories=''"].join(' ');
  await asOwner(tool('pg_ctl'), ['-D', layout.postgresData, '-l', log, '-w', '-t', '60', '-o', options, 'start']);
}

function logFile(layout: StackLayout): string {
  return join(layout.logs, 'postgresql.log');
}

export async function stopCluster(layout: StackLayout): Promise<void> {
  await asOwner(tool('pg_ctl'), ['-D', layout.postgresData, '-m', 'fast', '-w', 'stop']);
}

/** `immediate` stops without a checkpoint, as a crash would; the start recovers from the WAL. */
export async function restartCluster(layout: StackLayout, mode: 'fast' | 'immediate'): Promise<void> {
  // Without -l the server would log to (and hold open) pg_ctl's output, and the call would never return.
  await asOwner(tool('pg_ctl'), ['-D', layout.postgresData, '-l', logFile(layout), '-m', mode, '-w', '-t', '60', 'restart']);
}

export function clusterRunning(layout: StackLayout): boolean {
  return existsSync(join(layout.postgresData, 'postmaster.pid'));
}
