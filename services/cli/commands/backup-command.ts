import { availableParallelism } from 'node:os';
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { wholeNumber } from '../number-options.js';
import { takeBackup } from '../backup/backup.js';
import type { BackupManifest, PartitionOffset } from '../backup/manifest.js';
import { restoreBackup, type RestoreSummary } from '../backup/restore.js';
import { SET_ASIDE_ACTION } from '../backup/steward-set-aside.js';
import { describeDatabase } from '../../shared/store/schema-check.js';

const jobsOption = wholeNumber(1, 64, 'jobs');

const DEFAULT_JOBS = Math.min(4, availableParallelism());

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toLocaleString('en', { maximumFractionDigits: 1 })} MB`;
}

function offsetLines(manifest: BackupManifest): string[] {
  return Object.entries(manifest.groups).flatMap(([group, offsets]: [string, PartitionOffset[]]) =>
    offsets.length === 0
      ? [`  ${group}  (no partitions: the store's topics did not exist yet, nothing to replay)`]
      : offsets.map((o) => `  ${group}  ${o.topic}[${o.partition}]  ${o.offset}  (${o.basis})`),
  );
}

function backupLines(manifest: BackupManifest, out: string): string[] {
  const seconds = (Date.parse(manifest.finishedAt) - Date.parse(manifest.startedAt)) / 1000;
  return [
    `backed up database "${manifest.database.name}" on ${manifest.database.host}:${manifest.database.port} into ${out} in ${seconds.toFixed(1)} s: ` +
      `${manifest.register.citizens.toLocaleString('en')} citizens, ${megabytes(manifest.dump.bytes)} (pg_dump, directory format, ${manifest.dump.jobs} jobs, gzip level ${manifest.dump.compression}, ${manifest.dump.seconds.toFixed(1)} s)`,
    'the copy stands at these offsets; a restore replays Kafka from them:',
    ...offsetLines(manifest),
    `restore with: npx dancu restore --from ${out}`,
  ];
}

function restoreLines(summary: RestoreSummary, databaseUrl: string): string[] {
  const { manifest } = summary;
  const made = { created: 'created', empty: 'found empty', replaced: 'dropped and created again (--force)' }[summary.target];
  const lines = [
    `restored the backup of ${manifest.startedAt} into ${describeDatabase(databaseUrl)} (${made}): ` +
      `${manifest.register.citizens.toLocaleString('en')} citizens; pg_restore ${summary.seconds.restore.toFixed(1)} s, analyze ${summary.seconds.analyze.toFixed(1)} s`,
    `the store's consumer group starts again where the copy stands; ${summary.toReplay.toLocaleString('en')} decisions to replay:`,
    ...offsetLines(manifest),
  ];
  if (manifest.register.outboxUnpublished > 0) {
    lines.push(
      `${manifest.register.outboxUnpublished} outbox rows of the copy were not published yet: the store's relay publishes them (one published already comes again with its update id and citizen version)`,
    );
  }
  if (summary.setAside.length > 0) {
    lines.push(
      `${summary.setAside.length} steward decision${summary.setAside.length === 1 ? '' : 's'} named review cases opened after the backup, which the replay numbers again: set aside (audit log, ${SET_ASIDE_ACTION}); their cases come back open to be decided again:`,
      ...summary.setAside.map((d) => `  ${d.decision_id}  ${d.action} on case ${d.case_id} by ${d.actor}`),
    );
  }
  lines.push('next:');
  let step = 1;
  if (summary.pendingMigrations.length > 0)
    lines.push(`  ${step++}. npx dancu migrate   (the copy is ${summary.pendingMigrations.length} migrations behind this code)`);
  lines.push(
    `  ${step++}. npx dancu run store   alone, until \`npx dancu lag\` shows its group at 0: it replays the decisions the copy lacks`,
    `  ${step++}. npx dancu run ingest linker steward monitor   then the rest (the linker decides against the register, so it waits until the store has caught up)`,
    `  ${step}. npx dancu dlq list --since ${summary.startedAt.toISOString()} --reason CITIZEN_NOT_FOUND   a decision the replay met before the one that registered its citizen (on another partition) is dead-lettered; \`npx dancu dlq replay\` with the same options sends those back`,
  );
  return lines;
}

export function backupCommand(): Command {
  return new Command('backup')
    .description("copy the register's database (pg_dump, one snapshot) with the Kafka offsets the store must replay from to bring the copy up to date")
    .requiredOption('--out <dir>', 'a new folder for the backup (manifest.json and the dump)')
    .option('--jobs <n>', "pg_dump's parallel jobs", jobsOption, DEFAULT_JOBS)
    .option('--compress <level>', 'gzip level of the dump, 0 (none) to 9', wholeNumber(0, 9, 'levels'), 1)
    .action(async (options: { out: string; jobs: number; compress: number }) => {
      const manifest = await takeBackup(loadConfig(process.env), { out: options.out, jobs: options.jobs, compression: options.compress });
      console.log(backupLines(manifest, options.out).join('\n'));
    });
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description(
      "restore a `dancu backup` into a database and set the store's consumer group to replay Kafka from where the copy stands (stop the store first)",
    )
    .requiredOption('--from <dir>', 'the backup folder')
    .option('--database <url>', 'the database to restore into (default: DATABASE_URL)')
    .option('--force', 'drop the database first if it holds anything')
    .option('--jobs <n>', "pg_restore's parallel jobs", jobsOption, DEFAULT_JOBS)
    .action(async (options: { from: string; database?: string; force?: boolean; jobs: number }) => {
      const config = loadConfig(process.env);
      const databaseUrl = options.database ?? config.DATABASE_URL;
      const summary = await restoreBackup(config, { from: options.from, databaseUrl, force: options.force === true, jobs: options.jobs });
      console.log(restoreLines(summary, databaseUrl).join('\n'));
    });
}
