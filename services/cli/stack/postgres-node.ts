import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { waitFor } from './processes.js';
import type { StackLayout } from './stack-layout.js';

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

async function answers(url: string): Promise<boolean> {
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

/**
 * Uses the server at DATABASE_URL when it answers; otherwise starts the machine's own clusters
 * (Debian's pg_ctlcluster) and remembers that it did, so `down` stops only what `up` started.
 */
export async function postgresUp(layout: StackLayout, databaseUrl: string): Promise<'started' | 'running'> {
  const admin = maintenanceUrl(databaseUrl);
  let state: 'started' | 'running' = 'running';
  if (!(await answers(admin))) {
    const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
    if (versions.length === 0) {
      throw new Error(`PostgreSQL does not answer at ${new URL(databaseUrl).host} and no local cluster is installed; set DATABASE_URL`);
    }
    for (const version of versions) {
      await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']).catch(() => undefined);
    }
    await waitFor('PostgreSQL', () => answers(admin), 60_000);
    writeFileSync(join(layout.root, STARTED_MARK), versions.join('\n'));
    state = 'started';
  }
  await createDatabase(databaseUrl);
  return state;
}

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
  for (const version of readdirSync('/etc/postgresql')) {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop']).catch(() => undefined);
  }
  rmSync(mark);
  return true;
}

export async function postgresStatus(databaseUrl: string): Promise<string> {
  return (await answers(maintenanceUrl(databaseUrl))) ? 'running' : 'stopped';
}

/** The machine's own PostgreSQL clusters (Debian's layout), which `postgresRestart` can restart; empty when PostgreSQL runs elsewhere. */
export function localClusters(): string[] {
  return existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
}

/**
 * Restarts the local clusters, `immediate` as after a crash (no checkpoint, every connection cut,
 * recovery from the WAL on start), and waits until the server answers again. For fault tests.
 */
export async function postgresRestart(databaseUrl: string, mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
  for (const version of localClusters()) await run('pg_ctlcluster', ['--skip-systemctl-redirect', '-m', mode, version, 'main', 'restart']);
  await waitFor('PostgreSQL', () => answers(maintenanceUrl(databaseUrl)), 60_000);
}
