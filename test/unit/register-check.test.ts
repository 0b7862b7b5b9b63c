import { describe, expect, it } from 'vitest';
import { coordinatorNotFound, nothingToShow } from '../../services/cli/commands/lag-command.js';
import type { DemoRun } from '../../services/cli/run-settings.js';
import { describeDatabase, knownMigrations, pendingMigrations } from '../../services/shared/store/schema-check.js';

const GROUPS = { ingest: 'dancu-ingest', linker: 'dancu-linker', store: 'dancu-store' };
const DEMO: DemoRun = {
  startedAt: '2026-05-01T10:00:00.000Z',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/dancu_demo',
  topicNamespace: 'demo-1777',
  groups: { ingest: 'demo-1777.ingest', linker: 'demo-1777.linker', store: 'demo-1777.store' },
};

describe("the register's schema check", () => {
  it('knows the migrations in the order they run, by the names node-pg-migrate records', () => {
    expect(knownMigrations().slice(0, 2)).toEqual(['001_population-store', '002_blocking-keys']);
  });

  it('finds the migrations a database has not run', () => {
    expect(pendingMigrations(['001_a', '002_b', '003_c'], ['001_a'])).toEqual(['002_b', '003_c']);
  });

  it('finds none pending in a database a newer release migrated further', () => {
    expect(pendingMigrations(['001_a', '002_b'], ['001_a', '002_b', '003_c'])).toEqual([]);
  });

  it('names a database by name, host and port, never its password', () => {
    expect(describeDatabase('postgres://postgres:s3cret@db.example:6432/register')).toBe('database "register" on db.example:6432');
  });

  it('names the default port when the URL gives none', () => {
    expect(describeDatabase('postgres://postgres@127.0.0.1/dancu')).toBe('database "dancu" on 127.0.0.1:5432');
  });
});

describe('dancu lag with nothing to show', () => {
  it('says so in words, naming the groups it looked for', () => {
    expect(nothingToShow(GROUPS, '', null)).toMatch(/^no lag to show: .*dancu-ingest, dancu-linker, dancu-store/);
  });

  it('points at --demo when the last demo ran on other topics', () => {
    expect(nothingToShow(GROUPS, '', DEMO)).toContain('npx dancu lag --demo');
  });

  it('does not point at --demo when looking at the demo run already', () => {
    expect(nothingToShow(DEMO.groups, DEMO.topicNamespace, DEMO)).not.toContain('--demo');
  });
});

describe('dancu lag when Kafka names no coordinator for the groups', () => {
  const notFound = Object.assign(new Error('Failed to find group coordinator'), { name: 'KafkaJSGroupCoordinatorNotFound' });

  it("says a login may not describe the groups, and names the operators' login", () => {
    expect(coordinatorNotFound(notFound, Object.values(GROUPS), 'sector-vaccination')?.message).toMatch(
      /dancu-ingest, dancu-linker, dancu-store: the login sector-vaccination may not describe them; log in as dancu-operator/,
    );
  });

  it('without a login, points at the broker rather than at rights', () => {
    expect(coordinatorNotFound(notFound, Object.values(GROUPS), undefined)?.message).toContain('the broker may still be starting');
  });

  it('leaves any other error alone', () => {
    expect(coordinatorNotFound(new Error('connection refused'), Object.values(GROUPS), 'sector-vaccination')).toBeNull();
  });
});
