import { afterAll, describe, expect, it } from 'vitest';
import { makeSettingsCurrent } from '../../services/bench/current-settings.js';
import { keepingBlockingRules, loadSettings, type LinkageSettings } from '../../services/shared/linkage/settings.js';
import { settingsVersion } from '../../services/shared/linkage/settings-version.js';
import { currentOrBootstrap, currentSettingsVersion, settingsHistory } from '../../services/shared/store/settings-versions.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

const TOPIC = 'bench-settings.person.observations.v1';
const file = loadSettings();
const older: LinkageSettings = { ...file, thresholds: { ...file.thresholds, link_probability: 0.99999999 } };

describe('bench:density measures the committed settings, made current in the register it reuses', () => {
  const databases: IsolatedDatabase[] = [];
  /** A migrated register of its own, with `current` made its current version when given. */
  const register = async (current?: LinkageSettings) => {
    const db = new IsolatedDatabase('bench-settings');
    databases.push(db);
    await db.setUp();
    if (current) await currentOrBootstrap(db.pool, current, 'test');
    return db;
  };
  const count = async (db: IsolatedDatabase, sql: string) => Number((await db.pool.query<{ n: string }>(sql)).rows[0]!.n);

  afterAll(() => Promise.all(databases.map((db) => db.cleanUp())));

  it('makes the file settings the first version of a register that has none', async () => {
    const db = await register();
    expect(await makeSettingsCurrent(db.url, file, TOPIC, 'bench:density')).toEqual({ version: settingsVersion(file), made: 'BOOTSTRAP', from: null });
    expect(await currentSettingsVersion(db.pool)).toBe(settingsVersion(file));
  });

  it('promotes the file settings over an older current version as dancu settings promote records it, naming the bench', async () => {
    const db = await register(older);
    expect(await makeSettingsCurrent(db.url, file, TOPIC, 'bench:density')).toEqual({
      version: settingsVersion(file),
      made: 'PROMOTE',
      from: settingsVersion(older),
    });
    const latest = (await settingsHistory(db.pool)).at(-1)!;
    expect([latest.action, latest.version, latest.previous_version, latest.actor, latest.relinked]).toEqual([
      'PROMOTE',
      settingsVersion(file),
      settingsVersion(older),
      'bench:density',
      0,
    ]);
    expect(await count(db, "select count(*) as n from audit_log where action = 'SETTINGS_PROMOTED'")).toBe(1);
  });

  it('sends nothing back to the linker when it promotes', async () => {
    const db = await register(older);
    await makeSettingsCurrent(db.url, file, TOPIC, 'bench:density');
    expect([await count(db, 'select count(*) as n from outbox'), await count(db, 'select count(*) as n from settings_relinks')]).toEqual([0, 0]);
  });

  it('changes nothing when the file settings are current already', async () => {
    const db = await register(file);
    expect(await makeSettingsCurrent(db.url, file, TOPIC, 'bench:density')).toEqual({
      version: settingsVersion(file),
      made: 'ALREADY_CURRENT',
      from: settingsVersion(file),
    });
    expect((await settingsHistory(db.pool)).length).toBe(1);
  });

  it("refuses in one line file settings with a blocking rule the register's keys were not made for", async () => {
    const db = await register(keepingBlockingRules(file, (rule) => rule.name !== 'personal_id'));
    await expect(makeSettingsCurrent(db.url, file, TOPIC, 'bench:density')).rejects.toThrow(
      /^the register \S+ was loaded for settings \S+ and has no keys for blocking rule\(s\) personal_id of \S+: load it again \(dancu load-population, or the bench without BENCH_REUSE=1\)$/,
    );
    expect((await settingsHistory(db.pool)).length).toBe(1);
  });
});
