import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from '../../shared/paths.js';
import { citusBinDir, ensureCitus } from './citus-build.js';
import { clusterRunning, startCluster, stopCluster, type ClusterPlace } from './postgres-cluster.js';
import { answers, createDatabase } from './postgres-node.js';
import { waitFor } from './processes.js';
import type { StackLayout } from './stack-layout.js';

/**
 * The register's distributed PostgreSQL (`stack up --citus`): a Citus coordinator and two
 * workers, each its own initdb cluster and port under the stack's folder, started with the
 * Citus installation of citus-build.ts. The services talk to the coordinator only; the workers
 * hold the shards. The stack's single PostgreSQL is another cluster and is left as it is.
 */
// Below Linux's ephemeral range (32768–60999): the nodes may start while a test run holds
// hundreds of outgoing connections, and one of them can hold a port in that range as its source
// port, so the node failed to bind (seen once in CI on 55442).
export const CITUS_COORDINATOR_PORT = 25442;
export const CITUS_WORKER_PORTS = [25443, 25444] as const;
// The workers' ports before 2026-12: a database prepared then names them in its metadata and
// cannot reach its workers; moving them in place needs every node in sync, so it is refused.
const FORMER_WORKER_PORTS = [55443, 55444] as const;
const HOST = '127.0.0.1';
const STARTED_MARK = 'citus.started-by-dancu';
const CONFIG = join(REPO_ROOT, 'stack', 'citus-postgresql.conf');

export interface CitusNode {
  name: string;
  port: number;
  cluster: ClusterPlace;
}

export function citusNodes(layout: StackLayout): CitusNode[] {
  const node = (name: string, port: number): CitusNode => ({
    name,
    port,
    cluster: { data: join(layout.root, 'citus', name), log: join(layout.logs, `citus-${name}.log`), config: CONFIG, bin: citusBinDir() },
  });
  return [node('coordinator', CITUS_COORDINATOR_PORT), ...CITUS_WORKER_PORTS.map((port, i) => node(`worker-${i + 1}`, port))];
}

/** A database on the coordinator: what DATABASE_URL is set to for the register on Citus. */
export function citusUrl(database: string): string {
  return `postgres://postgres@${HOST}:${CITUS_COORDINATOR_PORT}/${encodeURIComponent(database)}`;
}

function nodeUrl(port: number, database: string): string {
  return `postgres://postgres@${HOST}:${port}/${encodeURIComponent(database)}`;
}

/**
 * Builds Citus if needed, starts the nodes that do not answer (initdb on first use) and prepares
 * `database` for a distributed register. `down` stops only what an `up` started.
 */
export async function citusUp(layout: StackLayout, database: string, log: (line: string) => void = () => undefined): Promise<'started' | 'running'> {
  await ensureCitus(log);
  // The nodes' folders are made 700 by initdb; their parent must stay enterable by the server's user.
  mkdirSync(join(layout.root, 'citus'), { recursive: true });
  chmodSync(join(layout.root, 'citus'), 0o755);
  let state: 'started' | 'running' = 'running';
  for (const node of citusNodes(layout)) {
    const admin = nodeUrl(node.port, 'postgres');
    if (await answers(admin)) continue;
    await startCluster(node.cluster, node.port);
    await waitFor(`the Citus ${node.name}`, () => answers(admin), 60_000, node.cluster.log);
    writeFileSync(join(layout.root, STARTED_MARK), 'stack');
    state = 'started';
  }
  await createCitusDatabase(citusUrl(database));
  return state;
}

/**
 * The database on every node with the extension, and the workers added to the coordinator's
 * metadata (kept per database). Idempotent, so a test's own database is prepared the same way.
 */
export async function createCitusDatabase(databaseUrl: string): Promise<void> {
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  for (const port of CITUS_WORKER_PORTS) await withClient(nodeUrl(port, database), createExtension, true);
  await withClient(
    databaseUrl,
    async (client) => {
      await createExtension(client);
      const former = await client.query('select 1 from pg_dist_node where nodename = $1 and nodeport = any($2::int[])', [HOST, FORMER_WORKER_PORTS]);
      if (former.rowCount)
        throw new Error(
          `the Citus database ${database} names workers on the former ports ${FORMER_WORKER_PORTS.join(', ')}: run \`dancu stack down\`, remove .dancu/stack/citus and run \`dancu stack up --citus\` again`,
        );
      await client.query('select citus_set_coordinator_host($1, $2)', [HOST, CITUS_COORDINATOR_PORT]);
      for (const port of CITUS_WORKER_PORTS) {
        const known = await client.query('select 1 from pg_dist_node where nodename = $1 and nodeport = $2', [HOST, port]);
        if (known.rowCount === 0) await client.query('select citus_add_node($1, $2)', [HOST, port]);
      }
    },
    true,
  );
}

async function createExtension(client: pg.Client): Promise<void> {
  await client.query('create extension if not exists citus');
}

async function withClient(url: string, work: (client: pg.Client) => Promise<void>, create = false): Promise<void> {
  if (create) await createDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** Drops the database on the coordinator and on every worker. */
export async function dropCitusDatabase(databaseUrl: string): Promise<void> {
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  for (const port of [CITUS_COORDINATOR_PORT, ...CITUS_WORKER_PORTS]) {
    await withClient(nodeUrl(port, 'postgres'), async (client) => {
      await client.query(`drop database if exists ${client.escapeIdentifier(database)} with (force)`);
    });
  }
}

export async function citusDown(layout: StackLayout): Promise<boolean> {
  const mark = join(layout.root, STARTED_MARK);
  if (!existsSync(mark)) return false;
  for (const node of citusNodes(layout).reverse()) {
    if (clusterRunning(node.cluster)) await stopCluster(node.cluster);
  }
  rmSync(mark);
  return true;
}

/** `running` when every node answers, else which do not. */
export async function citusStatus(layout: StackLayout): Promise<string> {
  const nodes = citusNodes(layout);
  const silent: string[] = [];
  for (const node of nodes) if (!(await answers(nodeUrl(node.port, 'postgres')))) silent.push(node.name);
  if (silent.length === nodes.length) return 'stopped';
  const ports = nodes.map((node) => node.port).join(', ');
  return silent.length === 0 ? `running ${HOST}:${ports}` : `degraded (${silent.join(', ')} not answering)`;
}
