import { describe, expect, it } from 'vitest';
import {
  fileProblems,
  listChecksum,
  MANIFEST_FORMAT,
  offsetProblems,
  parseManifest,
  replayOffsets,
  type BackupManifest,
  type DumpFile,
} from '../../services/cli/backup/manifest.js';
import { connectionFor, lastComplaint } from '../../services/cli/backup/pg-tools.js';
import { decisionsToSetAside } from '../../services/cli/backup/steward-set-aside.js';
import type { StewardDecision } from '../../services/shared/schemas/records.js';

const partitions = [
  { topic: 'link.decisions.v1', partition: 1, low: '0' },
  { topic: 'link.decisions.v1', partition: 0, low: '0' },
  { topic: 'steward.decisions.v1', partition: 0, low: '5' },
];

const FILES: DumpFile[] = [
  { name: 'dump/toc.dat', bytes: 10, sha256: 'a'.repeat(64) },
  { name: 'dump/3604.dat.gz', bytes: 20, sha256: 'b'.repeat(64) },
];

function manifest(overrides: Partial<BackupManifest> = {}): BackupManifest {
  return {
    format: MANIFEST_FORMAT,
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: '2026-12-01T00:01:00.000Z',
    database: { name: 'dancu', host: '127.0.0.1', port: 55432, serverVersion: '15.20' },
    dump: { tool: 'pg_dump', format: 'directory', directory: 'dump', jobs: 2, compression: 1, snapshot: '00000003-1', bytes: 30, seconds: 1 },
    dancu: { version: '0.1.0', migration: '016_consumer-positions', migrations: 13 },
    register: { citizens: 0, outboxUnpublished: 0 },
    groups: { 'dancu-store': [{ topic: 'link.decisions.v1', partition: 0, offset: '7', basis: 'register' }] },
    files: FILES,
    checksum: listChecksum(FILES),
    ...overrides,
  };
}

describe('where the store replays from after a restore', () => {
  it("takes the copy's own position, even where the group had committed further", () => {
    const offsets = replayOffsets(
      partitions,
      [{ topic: 'link.decisions.v1', partition: 0, nextOffset: '40' }],
      [{ topic: 'link.decisions.v1', partition: 0, offset: '55' }],
    );
    expect(offsets[0]).toEqual({ topic: 'link.decisions.v1', partition: 0, offset: '40', basis: 'register' });
  });

  it('takes the offset committed before the snapshot where the copy records no position (history from before migration 016)', () => {
    const offsets = replayOffsets(partitions, [], [{ topic: 'link.decisions.v1', partition: 0, offset: '55' }]);
    expect(offsets[0]).toEqual({ topic: 'link.decisions.v1', partition: 0, offset: '55', basis: 'committed' });
  });

  it('replays a partition from its first retained message when neither the copy nor the group has a position there', () => {
    const offsets = replayOffsets(partitions, [], [{ topic: 'steward.decisions.v1', partition: 0, offset: '-1' }]);
    expect(offsets.find((o) => o.topic === 'steward.decisions.v1')).toEqual({ topic: 'steward.decisions.v1', partition: 0, offset: '5', basis: 'earliest' });
  });

  it('lists every partition once, in topic and partition order', () => {
    expect(replayOffsets(partitions, [], []).map((o) => `${o.topic}[${o.partition}]`)).toEqual([
      'link.decisions.v1[0]',
      'link.decisions.v1[1]',
      'steward.decisions.v1[0]',
    ]);
  });
});

describe('the checks a restore makes before it touches the database', () => {
  it('accepts a manifest whose checksum matches its file list', () => {
    expect(parseManifest(JSON.stringify(manifest()), 'm.json').checksum).toBe(listChecksum(FILES));
  });

  it('refuses a manifest whose file list was changed after its checksum', () => {
    const changed = { ...manifest(), files: [{ ...FILES[0]!, bytes: 11 }, FILES[1]!] };
    expect(() => parseManifest(JSON.stringify(changed), 'm.json')).toThrow('m.json: its checksum does not match its file list');
  });

  it('names the fields of a file that is not a manifest', () => {
    expect(() => parseManifest('{"format":"dancu-backup/1"}', 'm.json')).toThrow(/^m\.json is not a dancu backup manifest \(startedAt, /);
  });

  it('names each dump file that is missing, of another size, changed or unlisted', () => {
    const found: DumpFile[] = [
      { ...FILES[0]!, sha256: 'c'.repeat(64) },
      { name: 'dump/extra.dat', bytes: 1, sha256: 'd'.repeat(64) },
    ];
    expect(fileProblems(FILES, found)).toEqual([
      'dump/toc.dat does not match its checksum',
      'dump/3604.dat.gz is missing',
      'dump/extra.dat is not in the manifest',
    ]);
  });

  it('refuses to replay from an offset that retention has deleted since the backup', () => {
    const problems = offsetProblems([{ topic: 't', partition: 0, offset: '7', basis: 'register' }], [{ topic: 't', partition: 0, low: '9', high: '20' }]);
    expect(problems).toEqual(['t[0] starts at 9 now: the messages from 7 that the copy lacks are gone (retention)']);
  });

  it("refuses topics that end before the backup's offset (not the topics it was taken against)", () => {
    const problems = offsetProblems([{ topic: 't', partition: 0, offset: '30', basis: 'committed' }], [{ topic: 't', partition: 0, low: '0', high: '20' }]);
    expect(problems).toEqual(["t[0] ends at 20, before the backup's 30"]);
  });
});

describe("PostgreSQL's programs", () => {
  it('get the password in their environment, never on their command line', () => {
    const { dbname, env } = connectionFor('postgres://dancu:s%40cret@db.example:5432/register');
    expect([dbname, env.PGPASSWORD]).toEqual(['postgres://dancu@db.example:5432/register', 's@cret']);
  });

  it('fail with the last error they wrote, on one line', () => {
    expect(lastComplaint('pg_restore: connecting\npg_restore: error: could not connect to server\n\n')).toBe('error: could not connect to server');
  });
});

describe('steward decisions the replay would meet after a restore', () => {
  const decision = (id: string, caseId: number): StewardDecision => ({
    decision_id: id,
    case_id: caseId,
    action: 'LINK',
    citizen_id: 'C1',
    other_citizen_id: null,
    undoes: null,
    actor: 'alice',
    comment: 'same person',
    decided_at: 0,
  });

  it('sets aside those naming a case the copy does not have, whose number the replay gives again', () => {
    expect(decisionsToSetAside([decision('a', 4), decision('b', 9), decision('c', 12)], new Set([4, 12])).map((d) => d.decision_id)).toEqual(['b']);
  });
});
