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

/** One cluster of the stack: its data folder, its log and its committed settings. */
export interface ClusterPlace {
  data: string;
  log: string;
  config: string;
  /** Its client authentication file (committed), when not initdb's (which trusts the loopback). */
  hba?: string;
  /** More `name=value` settings on its command line, after the others (the last of a name wins). */
  settings?: readonly string[];
  /** The PostgreSQL installation's bin folder when not the machine's (the one that loads Citus). */
  bin?: string;
}

/** The register's cluster, with the committed client authentication (stack/pg_hba.conf). */
export function registerCluster(layout: StackLayout): ClusterPlace {
  return { data: layout.postgresData, log: join(layout.logs, 'postgresql.log'), config: STACK_POSTGRES_CONFIG, hba: join(REPO_ROOT, 'stack', 'pg_hba.conf') };
}

/** A sector's own database server, small and with logical decoding on, for Debezium to capture. */
export function sectorCluster(layout: StackLayout): ClusterPlace {
  return { data: layout.sectorData, log: join(layout.logs, 'sector-postgresql.log'), config: join(REPO_ROOT, 'stack', 'sector-postgresql.conf') };
}

/** The newest PostgreSQL installed in Debian's layout, or the one whose binaries are on PATH. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return join(root, newest, 'bin');
  return '';
}

/** A PostgreSQL program of the machine's newest installed version (the server's, and the clients' the backup runs), or by name from PATH. */
export function postgresTool(name: string): string {
  const dir = binDir();
  return dir ? join(dir, name) : name;
}

function clusterTool(cluster: ClusterPlace, name: string): string {
  return cluster.bin ? join(cluster.bin, name) : postgresTool(name);
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user. */
async function asOwner(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (userInfo().uid !== 0) return run(command, args);
  return run('runuser', ['-u', 'postgres', '--', command, ...args]);
}

function clusterExists(cluster: ClusterPlace): boolean {
  return existsSync(join(cluster.data, 'PG_VERSION'));
}

/** As root, a path the server writes (its data folder, its log) is handed to the `postgres` user. */
export async function giveToOwner(path: string): Promise<void> {
  if (userInfo().uid !== 0) return;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  chownSync(path, Number(uid.trim()), Number(gid.trim()));
}

/**
 * UTF-8 text, compared byte by byte ("C"): for UTF-8 that is code point order, the order C.UTF-8
 * gives too, but PostgreSQL compares "C" with memcmp and abbreviated keys where C.UTF-8 goes
 * through strcoll. The blocking keys' citizen index over a million citizens built in 6.6-7.5 s
 * instead of 9.3-14.9 s (docs/BENCHMARKS.md). Character classes stay C.UTF-8, so upper(), lower()
 * and regular expressions know Vietnamese letters.
 */
export const CLUSTER_LOCALE = ['--locale=C.UTF-8', '--lc-collate=C'] as const;

async function initCluster(cluster: ClusterPlace): Promise<void> {
  mkdirSync(cluster.data, { recursive: true, mode: 0o700 });
  await giveToOwner(cluster.data);
  await asOwner(clusterTool(cluster, 'initdb'), ['-D', cluster.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', ...CLUSTER_LOCALE, '--no-instructions']);
}

/** Initialises the cluster on first use, then starts it on `port` and waits until it accepts connections. */
export async function startCluster(cluster: ClusterPlace, port: number): Promise<void> {
  if (!clusterExists(cluster)) await initCluster(cluster);
  if (!existsSync(cluster.log)) writeFileSync(cluster.log, '');
  await giveToOwner(cluster.log);
  const options = [
    `-c config_file=${cluster.config}`,
    ...(cluster.hba ? [`-c hba_file=${cluster.hba}`] : []),
    '-c listen_addresses=127.0.0.1',
    `-p ${port}`,
    "-c unix_socket_directories=''",
    ...(cluster.settings ?? []).map((setting) => `-c ${setting}`),
  ].join(' ');
  await asOwner(clusterTool(cluster, 'pg_ctl'), ['-D', cluster.data, '-l', cluster.log, '-w', '-t', '60', '-o', options, 'start']);
}

export async function stopCluster(cluster: ClusterPlace): Promise<void> {
  await asOwner(clusterTool(cluster, 'pg_ctl'), ['-D', cluster.data, '-m', 'fast', '-w', 'stop']);
}

/** `immediate` stops without a checkpoint, as a crash would; the start recovers from the WAL. */
export async function restartCluster(cluster: ClusterPlace, mode: 'fast' | 'immediate'): Promise<void> {
  // Without -l the server would log to (and hold open) pg_ctl's output, and the call would never return.
  await asOwner(clusterTool(cluster, 'pg_ctl'), ['-D', cluster.data, '-l', cluster.log, '-m', mode, '-w', '-t', '60', 'restart']);
}

export function clusterRunning(cluster: ClusterPlace): boolean {
  return existsSync(join(cluster.data, 'postmaster.pid'));
}
