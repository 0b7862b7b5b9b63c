import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DancuError } from '../../shared/errors.js';
import { REPO_ROOT } from '../../shared/paths.js';
import { topicsFor } from '../../shared/schemas/topics.js';
import { STORE_CONSUMER } from '../../shared/store/apply-decisions.js';
import { readPositions } from '../../shared/store/consumer-positions.js';
import type { PoolClient } from '../../shared/store/db.js';
import type { CliConfig } from '../config.js';
import { withKafka, withPool } from '../kafka-session.js';
import { databaseName } from '../stack/postgres-node.js';
import { listDumpFiles } from './dump-files.js';
import { committedOffsets, partitionExtents } from './group-offsets.js';
import { DUMP_DIR, listChecksum, MANIFEST_FILE, MANIFEST_FORMAT, replayOffsets, type BackupManifest } from './manifest.js';
import { runPgTool } from './pg-tools.js';

export interface BackupOptions {
  out: string;
  jobs: number;
  /** gzip level: 1 dumps a million citizens ten times faster than pg_dump's default, for a fifth more bytes (docs/BENCHMARKS.md). */
  compression: number;
}

/** The topics the store consumes: the only consumer whose work lives in the database. */
export function storeTopics(namespace: string): string[] {
  const topics = topicsFor(namespace);
  return [topics.decisions, topics.stewardDecisions];
}

function dancuVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A backup goes into a folder of its own: never over another backup, nor into a folder holding anything else. */
function prepareFolder(out: string): void {
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw new DancuError('BACKUP_FOLDER_IN_USE', `${out} is a file: give a new folder for the backup`, { retriable: false });
  }
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new DancuError('BACKUP_FOLDER_IN_USE', `${out} is not empty: give a new folder (a backup never writes over another)`, { retriable: false });
  }
  mkdirSync(out, { recursive: true });
}

/** What the copy's snapshot says of itself, read in the snapshot: its positions, its migrations and a few counts. */
async function readInSnapshot(client: PoolClient) {
  const positions = await readPositions(client);
  const migrations = await client.query<{ name: string }>('select name from pgmigrations order by name');
  const counts = await client.query<{ citizens: string; unpublished: string }>(
    'select (select count(*) from citizens) as citizens, (select count(*) from outbox where published_at is null) as unpublished',
  );
  const server = await client.query<{ server_version: string }>('show server_version');
  return {
    positions: positions.filter((p) => p.consumer === STORE_CONSUMER),
    migrations: migrations.rows.map((row) => row.name),
    citizens: Number(counts.rows[0]?.citizens ?? 0),
    outboxUnpublished: Number(counts.rows[0]?.unpublished ?? 0),
    serverVersion: server.rows[0]?.server_version ?? 'unknown',
  };
}

/**
 * Backs the register up into `out`: pg_dump in directory format (parallel jobs) of one exported
 * snapshot, and the offsets from which the store's consumer group must replay Kafka to bring
 * that copy up to date: the positions the store recorded with its work, read in the snapshot
 * itself, so the copy says where it stands; for a partition it records none of, the offset the
 * group had committed before the snapshot was taken (everything before either is in the copy).
 * The manifest is written last; a folder without one is not a backup.
 */
export async function takeBackup(config: CliConfig, options: BackupOptions, clock: () => Date = () => new Date()): Promise<BackupManifest> {
  prepareFolder(options.out);
  const startedAt = clock();
  const topics = storeTopics(config.DANCU_TOPIC_NAMESPACE);
  const group = config.DANCU_STORE_GROUP_ID;
  // Before the snapshot: whatever the group had committed by then is in the copy.
  const { committed, extents } = await withKafka(config, 'dancu-backup', async (_kafka, admin) => {
    const extents = await partitionExtents(admin, topics);
    return { extents, committed: await committedOffsets(admin, group, [...new Set(extents.map((p) => p.topic))]) };
  });
  const copy = await withPool(config, 1, async (pool) => {
    const client = await pool.connect();
    try {
      // Repeatable read: the exported snapshot is this transaction's, so what it reads and what pg_dump copies are one state.
      await client.query('begin isolation level repeatable read, read only');
      const snapshot = (await client.query<{ id: string }>('select pg_export_snapshot() as id')).rows[0]?.id ?? '';
      const seen = await readInSnapshot(client);
      const dumpStarted = Date.now();
      await runPgTool(
        'pg_dump',
        [
          '--format=directory',
          `--jobs=${options.jobs}`,
          `--compress=${options.compression}`,
          `--snapshot=${snapshot}`,
          `--file=${join(options.out, DUMP_DIR)}`,
        ],
        config.DATABASE_URL,
      );
      await client.query('commit');
      return { ...seen, snapshot, seconds: (Date.now() - dumpStarted) / 1000 };
    } finally {
      client.release();
    }
  });
  const files = await listDumpFiles(options.out, DUMP_DIR);
  const url = new URL(config.DATABASE_URL);
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    startedAt: startedAt.toISOString(),
    finishedAt: clock().toISOString(),
    database: { name: databaseName(config.DATABASE_URL), host: url.hostname, port: Number(url.port || 5432), serverVersion: copy.serverVersion },
    dump: {
      tool: 'pg_dump',
      format: 'directory',
      directory: DUMP_DIR,
      jobs: options.jobs,
      compression: options.compression,
      snapshot: copy.snapshot,
      bytes: files.reduce((sum, f) => sum + f.bytes, 0),
      seconds: copy.seconds,
    },
    dancu: { version: dancuVersion(), migration: copy.migrations.at(-1) ?? '', migrations: copy.migrations.length },
    register: { citizens: copy.citizens, outboxUnpublished: copy.outboxUnpublished },
    groups: { [group]: replayOffsets(extents, copy.positions, committed) },
    files,
    checksum: listChecksum(files),
  };
  const file = join(options.out, MANIFEST_FILE);
  writeFileSync(`${file}.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(`${file}.partial`, file);
  return manifest;
}
