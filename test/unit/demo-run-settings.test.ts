import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDemoRun, writeDemoRun } from '../../services/cli/demo-run-file.js';
import { databaseRemedy, parseDemoRun, resolveRunEnv, type DemoRun } from '../../services/cli/run-settings.js';
import { DancuError } from '../../services/shared/errors.js';

const FILE = '/repo/.dancu/demo-run.json';
const DEMO: DemoRun = {
  startedAt: '2026-05-01T10:00:00.000Z',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/dancu_demo',
  topicNamespace: 'demo-1777',
  groups: { ingest: 'demo-1777.ingest', linker: 'demo-1777.linker', store: 'demo-1777.store' },
};
const ENV = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/dancu', DANCU_KAFKA_BROKERS: 'kafka:9092', DANCU_LOG_LEVEL: 'warn' };

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return null;
}

describe('resolveRunEnv: the settings a command runs with', () => {
  it('leaves the environment as it is without --demo, even when a demo has run', () => {
    expect(resolveRunEnv(ENV, { demo: false, demoRun: DEMO, file: FILE })).toEqual(ENV);
  });

  it("takes the demo run's database, topic namespace and consumer groups with --demo", () => {
    const env = resolveRunEnv(ENV, { demo: true, demoRun: DEMO, file: FILE });
    expect([env.DATABASE_URL, env.DANCU_TOPIC_NAMESPACE, env.DANCU_INGEST_GROUP_ID, env.DANCU_LINKER_GROUP_ID, env.DANCU_STORE_GROUP_ID]).toEqual([
      DEMO.databaseUrl,
      'demo-1777',
      'demo-1777.ingest',
      'demo-1777.linker',
      'demo-1777.store',
    ]);
  });

  it("lets the demo run override the environment's own database, namespace and groups", () => {
    const env = resolveRunEnv({ ...ENV, DANCU_TOPIC_NAMESPACE: 'mine', DANCU_STORE_GROUP_ID: 'my-store' }, { demo: true, demoRun: DEMO, file: FILE });
    expect([env.DANCU_TOPIC_NAMESPACE, env.DANCU_STORE_GROUP_ID]).toEqual(['demo-1777', 'demo-1777.store']);
  });

  it('keeps every other setting of the environment with --demo (brokers, log level)', () => {
    const env = resolveRunEnv(ENV, { demo: true, demoRun: DEMO, file: FILE });
    expect([env.DANCU_KAFKA_BROKERS, env.DANCU_LOG_LEVEL]).toEqual(['kafka:9092', 'warn']);
  });

  it('refuses --demo in one line naming the file when no demo has run', () => {
    const error = thrown(() => resolveRunEnv(ENV, { demo: true, demoRun: null, file: FILE })) as DancuError;
    expect([error.code, error.message.includes(FILE), error.message.includes('\n')]).toEqual(['NO_DEMO_RUN', true, false]);
  });

  it("gives the demo's database the environment's password when it is for the same server and user", () => {
    const env = resolveRunEnv({ DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:5432/dancu' }, { demo: true, demoRun: DEMO, file: FILE });
    expect(env.DATABASE_URL).toBe('postgres://postgres:s3cret@127.0.0.1:5432/dancu_demo');
  });

  it("does not give the demo's database the password of another server", () => {
    const env = resolveRunEnv({ DATABASE_URL: 'postgres://postgres:s3cret@db.example:5432/dancu' }, { demo: true, demoRun: DEMO, file: FILE });
    expect(env.DATABASE_URL).toBe(DEMO.databaseUrl);
  });
});

describe('parseDemoRun', () => {
  it('reads a demo run as the demo writes it', () => {
    expect(parseDemoRun(JSON.stringify(DEMO), FILE)).toEqual(DEMO);
  });

  it('refuses text that is not JSON, naming the file', () => {
    expect(thrown(() => parseDemoRun('{ not json', FILE))).toMatchObject({ code: 'DEMO_RUN_UNREADABLE', message: expect.stringContaining(FILE) });
  });

  it('names the fields a demo run file lacks', () => {
    const { groups: _groups, ...partial } = DEMO;
    expect((thrown(() => parseDemoRun(JSON.stringify(partial), FILE)) as Error).message).toContain('groups');
  });
});

describe('the demo run file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dancu-demo-run-'));

  it('reads as no run where no demo has run', () => {
    expect(readDemoRun(join(dir, 'absent.json'))).toBeNull();
  });

  it('reads back the run the demo wrote', () => {
    const file = join(dir, 'run.json');
    writeDemoRun(DEMO, file);
    expect(readDemoRun(file)).toEqual(DEMO);
  });

  it('never holds the database password', () => {
    const file = join(dir, 'with-password.json');
    writeDemoRun({ ...DEMO, databaseUrl: 'postgres://postgres:s3cret@127.0.0.1:5432/dancu_demo' }, file);
    expect(readFileSync(file, 'utf8')).not.toContain('s3cret');
  });

  it('reports a file that is not a demo run instead of reading it as none', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '[]');
    expect(thrown(() => readDemoRun(file))).toBeInstanceOf(DancuError);
  });
});

describe('databaseRemedy: what to run when the register check fails', () => {
  const elsewhere = 'postgres://postgres@127.0.0.1:5432/dancu';

  it('says to migrate a database that is not migrated', () => {
    expect(databaseRemedy('NOT_MIGRATED', { databaseUrl: elsewhere, demoRun: null })).toBe('run `npx dancu migrate`');
  });

  it('offers --demo as well when a demo has run on another database', () => {
    expect(databaseRemedy('NOT_MIGRATED', { databaseUrl: elsewhere, demoRun: DEMO })).toBe("run `npx dancu migrate`, or add --demo to look at the demo's run");
  });

  it("says to migrate with --demo when the demo's own database is behind", () => {
    expect(databaseRemedy('NOT_MIGRATED', { databaseUrl: 'postgres://postgres:pw@127.0.0.1:5432/dancu_demo', demoRun: DEMO })).toBe(
      'run `npx dancu migrate --demo`',
    );
  });

  it("says to run the demo again when the demo's database is gone", () => {
    expect(databaseRemedy('DATABASE_MISSING', { databaseUrl: DEMO.databaseUrl, demoRun: DEMO })).toContain('npm run demo');
  });

  it('says migrate creates a database that does not exist', () => {
    expect(databaseRemedy('DATABASE_MISSING', { databaseUrl: elsewhere, demoRun: null })).toBe('create and migrate it with `npx dancu migrate`');
  });

  it('says how to start PostgreSQL when it does not answer', () => {
    expect(databaseRemedy('DATABASE_UNREACHABLE', { databaseUrl: elsewhere, demoRun: null })).toContain('npx dancu stack up');
  });

  it('has nothing to add to a failure the check does not know', () => {
    expect(databaseRemedy('STORE_REJECTED_28P01', { databaseUrl: elsewhere, demoRun: null })).toBeNull();
  });
});
