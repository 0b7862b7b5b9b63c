import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitFor } from './processes.js';
import { clusterRunning, registerCluster, restartCluster, startCluster, stopCluster } from './postgres-cluster.js';
import { stackLayout, type StackLayout } from './stack-layout.js';

const run = promisify(execFile);

/** The same server as `databaseUrl`, another database on it. */
export function otherDatabaseUrl(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The same server as `databaseUrl`, but its `postgres` maintenance database. */
export function maintenanceUrl(databaseUrl: string): string {
  return otherDatabaseUrl(databaseUrl, 'postgres');
}

export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || 'postgres';
}

export async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const STARTED_MARK = 'postgres.started-by-dancu';

/** The port of the stack's own cluster; a DATABASE_URL on the loopback at this port is served by it. */
export const STACK_POSTGRES_PORT = 55432;

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** Whether DATABASE_URL names the stack's own cluster (the default), rather than a server of the machine's or elsewhere. */
export function servedByStack(databaseUrl: string): boolean {
  const url = new URL(databaseUrl);
  return isLoopback(url) && Number(url.port || 5432) === STACK_POSTGRES_PORT;
}

/**
 * Uses the server at DATABASE_URL when it answers. Otherwise: the stack's own cluster when the URL
 * names it (initdb on first use, started with stack/postgresql.conf), or the machine's Debian
 * clusters for another port on the loopback; `down` stops only what `up` started.
 */
export async function postgresUp(layout: StackLayout, databaseUrl: string): Promise<'started' | 'running'> {
  const admin = maintenanceUrl(databaseUrl);
  let state: 'started' | 'running' = 'running';
  if (!(await answers(admin))) {
    const started = servedByStack(databaseUrl) ? await startOwnCluster(layout) : await startDebianClusters(databaseUrl);
    await waitFor('PostgreSQL', () => answers(admin), 60_000);
    writeFileSync(join(layout.root, STARTED_MARK), started);
    state = 'started';
  }
  await createDatabase(databaseUrl);
  return state;
}

async function startOwnCluster(layout: StackLayout): Promise<string> {
  await startCluster(registerCluster(layout), STACK_POSTGRES_PORT);
  return OWN_CLUSTER;
}

async function startDebianClusters(databaseUrl: string): Promise<string> {
  const versions = localClusters();
  if (versions.length === 0 || !isLoopback(new URL(databaseUrl))) {
    throw new Error(`PostgreSQL does not answer at ${new URL(databaseUrl).host}: start it, or unset DATABASE_URL to use the stack's own cluster`);
  }
  for (const version of versions) {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']).catch(() => undefined);
  }
  return versions.join('\n');
}

/** What the mark file says when `up` started the stack's own cluster (otherwise: the Debian versions it started). */
const OWN_CLUSTER = 'stack';

export async function createDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await client.connect();
  try {
    const name = databaseName(databaseUrl);
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: maintenanceUrl(databaseUrl) });
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(databaseName(databaseUrl))} with (force)`);
  } finally {
    await client.end();
  }
}

export async function postgresDown(layout: StackLayout): Promise<boolean> {
  const mark = join(layout.root, STARTED_MARK);
  if (!existsSync(mark)) return false;
  const started = readFileSync(mark, 'utf8');
  if (started === OWN_CLUSTER) {
    if (clusterRunning(registerCluster(layout))) await stopCluster(registerCluster(layout));
  } else {
    for (const version of localClusters()) {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop']).catch(() => undefined);
    }
  }
  rmSync(mark);
  return true;
}

export async function postgresStatus(databaseUrl: string): Promise<string> {
  return (await answers(maintenanceUrl(databaseUrl))) ? 'running' : 'stopped';
}

/** The machine's own PostgreSQL clusters (Debian's layout); empty when PostgreSQL runs elsewhere. */
export function localClusters(): string[] {
  return existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
}

/** Whether `postgresRestart` can restart the server at `databaseUrl`: the stack's own cluster, or a Debian cluster on the loopback. */
export function canRestart(databaseUrl: string): boolean {
  if (servedByStack(databaseUrl)) return clusterRunning(registerCluster(stackLayout()));
  return localClusters().length > 0 && isLoopback(new URL(databaseUrl));
}

/**
 * Restarts the server, `immediate` as after a crash (no checkpoint, every connection cut,
 * recovery from the WAL on start), and waits until it answers again. For fault tests.
 */
export async function postgresRestart(databaseUrl: string, mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
  if (servedByStack(databaseUrl)) {
    await restartCluster(registerCluster(stackLayout()), mode);
  } else {
    for (const version of localClusters()) await run('pg_ctlcluster', ['--skip-systemctl-redirect', '-m', mode, version, 'main', 'restart']);
  }
  await waitFor('PostgreSQL', () => answers(maintenanceUrl(databaseUrl)), 60_000);
}
