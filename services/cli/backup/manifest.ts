import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DancuError } from '../../shared/errors.js';

/** What a backup folder holds besides the dump: the manifest, written last, so a folder without one is not a finished backup. */
export const MANIFEST_FILE = 'manifest.json';
/** The pg_dump directory inside a backup folder. */
export const DUMP_DIR = 'dump';
export const MANIFEST_FORMAT = 'dancu-backup/1';

/**
 * Why a partition's offset is what it is. `register`: the position the store recorded in the
 * copied database with the work it describes (migration 016) — the copy says itself where it
 * stands. `committed`: where the copy has no position (history applied before migration 016),
 * the store group's offset on the broker, read before the copy's snapshot was taken: it is
 * committed only after the work below it, so that work is in the copy too. `earliest`: neither
 * exists, the store never applied anything of the partition, so all of it is replayed.
 */
export const offsetBases = ['register', 'committed', 'earliest'] as const;
export type OffsetBasis = (typeof offsetBases)[number];

const partitionOffset = z.object({
  topic: z.string().min(1),
  partition: z.number().int().min(0),
  /** Where the store's group starts again after a restore; for `earliest`, the partition's first retained offset at backup time. */
  offset: z.string().regex(/^\d+$/),
  basis: z.enum(offsetBases),
});
export type PartitionOffset = z.infer<typeof partitionOffset>;

const dumpFile = z.object({ name: z.string().min(1), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export type DumpFile = z.infer<typeof dumpFile>;

/** The manifest: what was copied, when, by what, and where Kafka must be replayed from. No URL, user or password. */
export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  startedAt: z.string(),
  finishedAt: z.string(),
  database: z.object({ name: z.string(), host: z.string(), port: z.number().int(), serverVersion: z.string() }),
  dump: z.object({
    tool: z.literal('pg_dump'),
    format: z.literal('directory'),
    directory: z.literal(DUMP_DIR),
    jobs: z.number().int().min(1),
    /** gzip level of the dump's files (0: none). */
    compression: z.number().int().min(0).max(9),
    /** The exported snapshot the dump and the positions were read in, for the record. */
    snapshot: z.string(),
    bytes: z.number().int().min(0),
    seconds: z.number().min(0),
  }),
  dancu: z.object({ version: z.string(), migration: z.string(), migrations: z.number().int().min(0) }),
  /** Counts only, for a glance at what the copy holds (never a person's data). */
  register: z.object({ citizens: z.number().int().min(0), outboxUnpublished: z.number().int().min(0) }),
  /** Consumer group → where it starts again. Only the store's: it is the one consumer whose work is in the database. */
  groups: z.record(z.string(), z.array(partitionOffset)),
  files: z.array(dumpFile),
  /** sha256 of the file list (name, size and hash of each, one per line): one value to compare. */
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

/**
 * Where the store's group must start again so that replaying loses nothing the copy lacks: per
 * partition, the position the copy records, read in the snapshot it was copied from (at most
 * one chunk behind the copy; the replayed chunk changes nothing twice); where it records none,
 * the offset the group had committed before the snapshot; else the partition's start.
 */
export function replayOffsets(
  partitions: readonly { topic: string; partition: number; low: string }[],
  recorded: readonly { topic: string; partition: number; nextOffset: string }[],
  committed: readonly { topic: string; partition: number; offset: string }[],
): PartitionOffset[] {
  const key = (p: { topic: string; partition: number }) => `${p.topic}\u0000${p.partition}`;
  const inRegister = new Map(recorded.map((p) => [key(p), p.nextOffset]));
  const onBroker = new Map(committed.filter((p) => BigInt(p.offset) >= 0n).map((p) => [key(p), p.offset]));
  return [...partitions]
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map(({ topic, partition, low }): PartitionOffset => {
      const register = inRegister.get(key({ topic, partition }));
      if (register !== undefined) return { topic, partition, offset: register, basis: 'register' };
      const broker = onBroker.get(key({ topic, partition }));
      if (broker !== undefined) return { topic, partition, offset: broker, basis: 'committed' };
      return { topic, partition, offset: low, basis: 'earliest' };
    });
}

/** The checksum of a file list, independent of the order it was listed in. */
export function listChecksum(files: readonly DumpFile[]): string {
  const lines = [...files].sort((a, b) => a.name.localeCompare(b.name)).map((f) => `${f.name} ${f.bytes} ${f.sha256}\n`);
  return `sha256:${createHash('sha256').update(lines.join('')).digest('hex')}`;
}

/** A manifest's text as a manifest; one line saying what is wrong with it otherwise. */
export function parseManifest(text: string, file: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DancuError('BACKUP_UNREADABLE', `${file} is not JSON: not a dancu backup`, { retriable: false });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(file)'))].join(', ');
    throw new DancuError('BACKUP_UNREADABLE', `${file} is not a dancu backup manifest (${fields})`, { retriable: false });
  }
  if (listChecksum(parsed.data.files) !== parsed.data.checksum) {
    throw new DancuError('BACKUP_CORRUPT', `${file}: its checksum does not match its file list`, { retriable: false });
  }
  return parsed.data;
}

/**
 * How the files found in a backup differ from those its manifest lists: missing, of another size,
 * or with another hash. Empty when the dump is as it was written.
 */
export function fileProblems(listed: readonly DumpFile[], found: readonly DumpFile[]): string[] {
  const byName = new Map(found.map((f) => [f.name, f]));
  const problems: string[] = [];
  for (const file of listed) {
    const there = byName.get(file.name);
    if (!there) problems.push(`${file.name} is missing`);
    else if (there.bytes !== file.bytes) problems.push(`${file.name} has ${there.bytes} bytes, not ${file.bytes}`);
    else if (there.sha256 !== file.sha256) problems.push(`${file.name} does not match its checksum`);
  }
  const names = new Set(listed.map((f) => f.name));
  for (const file of found) if (!names.has(file.name)) problems.push(`${file.name} is not in the manifest`);
  return problems;
}

/**
 * What stands between the manifest's offsets and the topics as they are now: a partition that no
 * longer holds the messages the copy is missing (retention deleted them: replaying cannot bring
 * them back), or that ends before the offset (not the topics the backup was taken against).
 */
export function offsetProblems(offsets: readonly PartitionOffset[], now: readonly { topic: string; partition: number; low: string; high: string }[]): string[] {
  const byKey = new Map(now.map((p) => [`${p.topic}\u0000${p.partition}`, p]));
  const problems: string[] = [];
  for (const o of offsets) {
    const there = byKey.get(`${o.topic}\u0000${o.partition}`);
    if (!there) {
      problems.push(`${o.topic} has no partition ${o.partition}`);
      continue;
    }
    if (o.basis !== 'earliest' && BigInt(o.offset) < BigInt(there.low)) {
      problems.push(`${o.topic}[${o.partition}] starts at ${there.low} now: the messages from ${o.offset} that the copy lacks are gone (retention)`);
    }
    if (BigInt(o.offset) > BigInt(there.high)) problems.push(`${o.topic}[${o.partition}] ends at ${there.high}, before the backup's ${o.offset}`);
  }
  return problems;
}
