import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { Admin } from 'kafkajs';
import { DancuError } from '../../shared/errors.js';
import { SchemaRegistryClient } from '../../shared/kafka/registry.js';
import type { StewardDecision } from '../../shared/schemas/records.js';
import { createPool } from '../../shared/store/db.js';
import { describeDatabase, knownMigrations, pendingMigrations } from '../../shared/store/schema-check.js';
import type { CliConfig } from '../config.js';
import { withKafka } from '../kafka-session.js';
import { createDatabase, dropDatabase } from '../stack/postgres-node.js';
import { listDumpFiles } from './dump-files.js';
import { partitionExtents, requireNoMembers, resetGroup } from './group-offsets.js';
import { DUMP_DIR, fileProblems, MANIFEST_FILE, offsetProblems, parseManifest, type BackupManifest } from './manifest.js';
import { runPgTool } from './pg-tools.js';
import { setAsideStewardDecisions } from './steward-set-aside.js';

export interface RestoreOptions {
  from: string;
  databaseUrl: string;
  force: boolean;
  jobs: number;
}

export interface RestoreSummary {
  manifest: BackupManifest;
  startedAt: Date;
  /** What became of the target: made for the restore, found empty, or dropped and made again (--force). */
  target: 'created' | 'empty' | 'replaced';
  /** Messages the store's group will replay: from the manifest's offsets to the partitions' ends now. */
  toReplay: number;
  /** Steward decisions the replay passes over: they name cases opened after the backup. */
  setAside: StewardDecision[];
  /** The code's migrations the copy has not run (`dancu migrate` before the services start). */
  pendingMigrations: string[];
  seconds: { restore: number; analyze: number };
}

/** PostgreSQL's SQLSTATE for a database that does not exist. */
const NO_SUCH_DATABASE = '3D000';

/** The backup's manifest, and its dump as the manifest lists it: refused in one line if either is not. */
export async function readBackup(from: string): Promise<BackupManifest> {
  const file = join(from, MANIFEST_FILE);
  if (!existsSync(file)) {
    throw new DancuError('BACKUP_UNREADABLE', `${from} has no ${MANIFEST_FILE}: not a finished dancu backup`, { retriable: false });
  }
  const manifest = parseManifest(readFileSync(file, 'utf8'), file);
  const problems = fileProblems(manifest.files, existsSync(join(from, DUMP_DIR)) ? await listDumpFiles(from, DUMP_DIR) : []);
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join('; ');
    throw new DancuError(
      'BACKUP_CORRUPT',
      `${from} is not the backup its manifest describes: ${shown}${problems.length > 3 ? ` (${problems.length} problems)` : ''}`,
      {
        retriable: false,
      },
    );
  }
  return manifest;
}

/** Whether the database exists and holds any table, view or sequence of its own. */
async function targetState(databaseUrl: string): Promise<'missing' | 'empty' | 'in use'> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    if ((error as { code?: unknown }).code === NO_SUCH_DATABASE) return 'missing';
    throw error;
  }
  try {
    const { rows } = await client.query<{ n: string }>(
      `select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')`,
    );
    return Number(rows[0]?.n ?? 0) === 0 ? 'empty' : 'in use';
  } finally {
    await client.end();
  }
}

/** A database to restore into, as the restore found it: one holding anything is refused unless --force. */
async function checkTarget(databaseUrl: string, force: boolean): Promise<'missing' | 'empty' | 'in use'> {
  const state = await targetState(databaseUrl);
  if (state === 'in use' && !force) {
    throw new DancuError(
      'RESTORE_TARGET_NOT_EMPTY',
      `${describeDatabase(databaseUrl)} is not empty: restore into a new database, or add --force to drop it first`,
      {
        retriable: false,
      },
    );
  }
  return state;
}

/** Makes the database ready: made if missing, dropped and made again if it held anything (--force). */
async function prepareTarget(databaseUrl: string, state: 'missing' | 'empty' | 'in use'): Promise<RestoreSummary['target']> {
  if (state === 'empty') return 'empty';
  if (state === 'in use') await dropDatabase(databaseUrl);
  await createDatabase(databaseUrl);
  return state === 'missing' ? 'created' : 'replaced';
}

/**
 * The stores (whose group the restore moves) and the linkers must be stopped: a linker holding the
 * register in memory would go on answering from the lost register's citizens, which no change
 * note of the restored database tells it to drop.
 */
async function requireStopped(admin: Admin, config: CliConfig, groups: readonly [string, unknown][]): Promise<void> {
  for (const [group] of groups) await requireNoMembers(admin, group, 'store');
  await requireNoMembers(admin, config.DANCU_LINKER_GROUP_ID, 'linker');
}

/**
 * Restores a backup: checks the dump against its manifest, the target database, the topics
 * against its offsets (the messages the copy lacks must still be in Kafka) and the store's
 * consumer group for members, all before touching the database; then restores the dump into
 * `databaseUrl`, analyzes it (pg_restore leaves the planner without statistics), sets aside the
 * steward decisions on cases the copy does not have (steward-set-aside.ts), and sets the store's
 * group to the manifest's offsets, so that the store, started again, replays what the copy lacks.
 */
export async function restoreBackup(config: CliConfig, options: RestoreOptions): Promise<RestoreSummary> {
  const startedAt = new Date();
  const manifest = await readBackup(options.from);
  const state = await checkTarget(options.databaseUrl, options.force);
  const groups = Object.entries(manifest.groups);
  const topics = [...new Set(groups.flatMap(([, offsets]) => offsets.map((o) => o.topic)))];
  await withKafka(config, 'dancu-restore', async (_kafka, admin) => {
    await requireStopped(admin, config, groups);
    const extents = await partitionExtents(admin, topics);
    const problems = groups.flatMap(([, offsets]) => offsetProblems(offsets, extents));
    if (problems.length > 0) throw new DancuError('REPLAY_IMPOSSIBLE', `Kafka cannot replay what the copy lacks: ${problems.join('; ')}`, { retriable: false });
  });

  const target = await prepareTarget(options.databaseUrl, state);
  const restoreStarted = Date.now();
  await runPgTool('pg_restore', ['--format=directory', `--jobs=${options.jobs}`, '--exit-on-error', join(options.from, DUMP_DIR)], options.databaseUrl);
  const pool = createPool(options.databaseUrl, 2);
  try {
    const analyzeStarted = Date.now();
    await pool.query('analyze');
    const restored = Date.now();
    const applied = (await pool.query<{ name: string }>('select name from pgmigrations')).rows.map((row) => row.name);
    // The group moves only once the copy is in place: a restore that fails before then leaves it where it was.
    const registry = new SchemaRegistryClient(config.DANCU_SCHEMA_REGISTRY_URL);
    const { toReplay, setAside } = await withKafka(config, 'dancu-restore', async (kafka, admin) => {
      await requireStopped(admin, config, groups);
      const extents = await partitionExtents(admin, topics);
      let messages = 0;
      const setAside: StewardDecision[] = [];
      for (const [group, offsets] of groups) {
        setAside.push(...(await setAsideStewardDecisions(kafka, admin, registry, pool, offsets, extents)));
        messages += await resetGroup(admin, group, offsets, extents);
      }
      return { toReplay: messages, setAside };
    });
    return {
      manifest,
      startedAt,
      target,
      toReplay,
      setAside,
      pendingMigrations: pendingMigrations(knownMigrations(), applied),
      seconds: { restore: (analyzeStarted - restoreStarted) / 1000, analyze: (restored - analyzeStarted) / 1000 },
    };
  } finally {
    await pool.end();
  }
}
