import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { SECTOR_SQL_DIR } from '../../shared/paths.js';
import { waitFor } from './processes.js';
import { clusterRunning, sectorCluster, startCluster, stopCluster } from './postgres-cluster.js';
import { answers, createDatabase, maintenanceUrl } from './postgres-node.js';
import type { StackLayout } from './stack-layout.js';

const STARTED_MARK = 'sector-postgres.started-by-dancu';

/** The sector schema a database of the sector cluster gets: stack/sector-<source>.sql. */
export function sectorSchemaFile(source: string): string {
  return join(SECTOR_SQL_DIR, `sector-${source}.sql`);
}

/** Creates the database if needed and applies the sector's schema (idempotent: `create … if not exists`). */
export async function createSectorDatabase(databaseUrl: string, source = 'vaccination'): Promise<void> {
  await createDatabase(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(readFileSync(sectorSchemaFile(source), 'utf8'));
  } finally {
    await client.end();
  }
}

/**
 * The sector's database server (stack/sector-postgresql.conf, wal_level=logical) on the URL's
 * port, initdb on first use; left alone when something already answers there. Its database gets
 * the vaccination registry's schema.
 */
export async function sectorUp(layout: StackLayout, databaseUrl: string): Promise<'started' | 'running'> {
  const admin = maintenanceUrl(databaseUrl);
  let state: 'started' | 'running' = 'running';
  if (!(await answers(admin))) {
    await startCluster(sectorCluster(layout), Number(new URL(databaseUrl).port || 5432));
    await waitFor('the sector PostgreSQL', () => answers(admin), 60_000);
    writeFileSync(join(layout.root, STARTED_MARK), 'stack');
    state = 'started';
  }
  await createSectorDatabase(databaseUrl);
  return state;
}

export async function sectorDown(layout: StackLayout): Promise<boolean> {
  const mark = join(layout.root, STARTED_MARK);
  if (!existsSync(mark)) return false;
  const cluster = sectorCluster(layout);
  if (clusterRunning(cluster)) await stopCluster(cluster);
  rmSync(mark);
  return true;
}

export async function sectorStatus(databaseUrl: string): Promise<string> {
  return (await answers(maintenanceUrl(databaseUrl))) ? 'running' : 'stopped';
}
