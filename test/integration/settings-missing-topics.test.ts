import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { loadSettings, saveSettings } from '../../services/shared/linkage/settings.js';
import { settingsVersion } from '../../services/shared/linkage/settings-version.js';
import { topicsFor } from '../../services/shared/schemas/topics.js';
import { recordSettingsChange } from '../../services/shared/store/settings-promotion.js';
import { currentOrBootstrap } from '../../services/shared/store/settings-versions.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';
import { uniqueName } from '../helpers/real-stack.js';

const exec = promisify(execFile);

/** Well under the minutes kafkajs spends retrying a missing topic's offsets before it gives up. */
const AT_ONCE_MS = 20_000;

/** Every table a settings change writes to. */
const WRITTEN = ['linkage_settings', 'linkage_settings_history', 'settings_shadow_runs', 'settings_relinks', 'outbox', 'audit_log'];

describe('dancu settings on a register whose pipeline topics were never created says so in one line, before writing anything', () => {
  const db = new IsolatedDatabase('settings-topics');
  const namespace = uniqueName('settings-topics');
  const observations = topicsFor(namespace).observations;
  const dir = mkdtempSync(join(tmpdir(), 'dancu-settings-topics-'));
  const current = loadSettings();
  const strict = { ...current, thresholds: { ...current.thresholds, link_probability: 0.99999999 } };
  const strictFile = join(dir, 'strict.json');

  const dancu = async (...args: string[]) => {
    const started = performance.now();
    const outcome = await exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'settings', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: db.url, DANCU_TOPIC_NAMESPACE: namespace },
    }).then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    return { ...outcome, ms: performance.now() - started };
  };
  const written = () =>
    Promise.all(WRITTEN.map(async (table) => Number((await db.pool.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n)));
  const oneLine = new RegExp(
    `^dancu: the Kafka topic ${observations.replace(/\./g, '\\.')} does not exist or this login cannot see it \\([^)]*\\): start the pipeline once with \`npx dancu run\`[^\\n]*$`,
  );

  beforeAll(async () => {
    saveSettings(strict, strictFile);
    await db.setUp();
  });

  afterAll(() => db.cleanUp());

  it('refuses a promotion at once, naming the missing topic and how to create it', async () => {
    const outcome = await dancu('promote', strictFile);
    expect([outcome.code, outcome.stderr.trim()]).toEqual([1, expect.stringMatching(oneLine)]);
    expect(outcome.ms).toBeLessThan(AT_ONCE_MS);
  }, 60_000);

  it('writes nothing to the register when it refuses a promotion', async () => {
    await dancu('promote', strictFile);
    expect(await written()).toEqual(WRITTEN.map(() => 0));
  }, 60_000);

  it('refuses a rollback at once, leaving the settings history as it was', async () => {
    const first = await currentOrBootstrap(db.pool, current, 'test');
    const report = { currentVersion: first, candidateVersion: settingsVersion(strict) };
    await recordSettingsChange(db.pool, {
      action: 'PROMOTE',
      settings: strict,
      from: first,
      actor: 'test',
      report,
      relinks: [],
      observationsTopic: observations,
    });
    const before = await written();
    const outcome = await dancu('rollback');
    expect([outcome.code, outcome.stderr.trim()]).toEqual([1, expect.stringMatching(oneLine)]);
    expect(outcome.ms).toBeLessThan(AT_ONCE_MS);
    expect(await written()).toEqual(before);
  }, 60_000);

  it('refuses a shadow run at once with the same line', async () => {
    const outcome = await dancu('shadow', '--candidate', strictFile);
    expect([outcome.code, outcome.stderr.trim()]).toEqual([1, expect.stringMatching(oneLine)]);
    expect(outcome.ms).toBeLessThan(AT_ONCE_MS);
  }, 60_000);
});
