import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { loadSettings, saveSettings } from '../../services/shared/linkage/settings.js';
import { settingsVersion } from '../../services/shared/linkage/settings-version.js';
import type { ShadowReport } from '../../services/shared/linkage-io/shadow-run.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { encodeDay, sendInOrder } from '../helpers/sector-stream.js';
import { waitUntil } from '../helpers/wait.js';

const exec = promisify(execFile);

const POPULATION = generatePopulation(300, 818);
const DAY = generateSectorDay(
  POPULATION,
  { births: 20, deaths: 10, marriages: 4, nameChanges: 4, vaccinations: 60, benefits: 40, licences: 20, invalidPerSource: 1 },
  8180,
  new Date('2026-11-26T12:00:00Z'),
);

type Change = ShadowReport & { historyId: number; shadowRunId: number; relinked: number };
interface Link {
  record: string;
  citizen_id: string;
  decision_id: string;
  settings_version: string | null;
}

describe('dancu settings promote and rollback: settings changed through the pipeline', () => {
  const run = new IsolatedRun('promote');
  const dir = mkdtempSync(join(tmpdir(), 'dancu-promote-'));
  const original = loadSettings();
  const strictFile = join(dir, 'strict.json');
  const strict = { ...original, thresholds: { ...original.thresholds, link_probability: 0.99999999 } };
  let linksBefore: Map<string, Link>;
  let promoted: Change;
  let linksAfterPromotion: Map<string, Link>;

  const dancu = async (...args: string[]): Promise<string> =>
    (await exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'settings', ...args], { cwd: REPO_ROOT, env: run.env })).stdout;
  const links = async (): Promise<Map<string, Link>> => {
    const { rows } = await run.pool.query<Link>(
      "select source || '/' || source_system || '/' || source_record_id as record, citizen_id, decision_id, settings_version from record_links",
    );
    return new Map(rows.map((row) => [row.record, row]));
  };
  /** Every record a change sent back has had its new decision applied (or set aside) by the store. */
  const applied = () =>
    waitUntil(
      () =>
        run.countOf(
          `select count(*) as n from settings_relinks s
            where not exists (select 1 from processed_events p where p.event_id = s.observation_id || ':decision:' || s.attempt)`,
        ),
      (n) => n === 0,
      120_000,
      'the records sent back decided again and applied',
    );
  const openSettingsCases = () => run.countOf("select count(*) as n from review_cases where reason like 'SETTINGS_%' and status = 'OPEN'");

  beforeAll(async () => {
    saveSettings(strict, strictFile);
    await run.setUp({ register: POPULATION });
    await run.startServices();
    await sendInOrder(run.producer, await encodeDay(run.registry, run.topics, DAY));
    await run.waitUntilDrained(120_000);
    linksBefore = await links();
    promoted = JSON.parse(await dancu('promote', strictFile, '--json')) as Change;
    await applied();
    await run.waitUntilDrained(120_000);
    linksAfterPromotion = await links();
  }, 400_000);

  afterAll(() => run.cleanUp());

  it('makes the promoted settings current in the register, the first linker’s settings before them', async () => {
    const history = JSON.parse(await dancu('history', '--json')) as { current: string; entries: { action: string; version: string }[] };
    expect(history.entries.map((e) => [e.action, e.version])).toEqual([
      ['BOOTSTRAP', settingsVersion(original)],
      ['PROMOTE', settingsVersion(strict)],
    ]);
    expect(history.current).toBe(settingsVersion(strict));
  });

  it('sends back exactly the records whose decision the shadow run says would change', async () => {
    expect(promoted.changed).toBeGreaterThan(0);
    expect(promoted.relinked).toBe(promoted.changed);
    expect(await run.countOf('select count(*) as n from settings_relinks')).toBe(promoted.changed);
  });

  it('keeps every link the stricter settings doubt, and opens a case for each, decided with the new version by the running linker', async () => {
    const doubted = promoted.changes.find((change) => change.transition === 'LINK → REVIEW')!.count;
    const { rows } = await run.pool.query<{ reason: string; settings_version: string; citizen_id: string; record: string }>(
      `select c.reason, c.settings_version, l.citizen_id, l.source || '/' || l.source_system || '/' || l.source_record_id as record
         from review_cases c join record_links l on l.source = c.source and l.source_system = c.observation->>'source_system' and l.source_record_id = c.observation->>'source_record_id'
        where c.reason like 'SETTINGS_%'`,
    );
    expect(rows).toHaveLength(doubted);
    expect(new Set(rows.map((row) => row.reason))).toEqual(new Set(['SETTINGS_LINK_DOUBTED']));
    expect(new Set(rows.map((row) => row.settings_version))).toEqual(new Set([settingsVersion(strict)]));
    for (const row of rows) expect(row.citizen_id).toBe(linksBefore.get(row.record)?.citizen_id);
  });

  it('leaves every other link exactly as it was', () => {
    const untouched = [...linksBefore.values()].filter((link) => linksAfterPromotion.get(link.record)?.decision_id === link.decision_id);
    expect(linksAfterPromotion.size).toBe(linksBefore.size);
    expect(untouched.length).toBeGreaterThan(linksBefore.size - promoted.changed - 1);
    for (const link of untouched) expect(linksAfterPromotion.get(link.record)).toEqual(link);
  });

  it('audits the promotion with who made it and how many records it sent back', async () => {
    const { rows } = await run.pool.query<{ details: { relinked: number; version: string } }>(
      "select details from audit_log where action = 'SETTINGS_PROMOTED'",
    );
    expect(rows).toEqual([{ details: expect.objectContaining({ relinked: promoted.changed, version: settingsVersion(strict) }) }]);
  });

  it('rolls back to the first settings the same way: the doubted links confirmed and their cases closed, every link where it was', async () => {
    expect(await openSettingsCases()).toBeGreaterThan(0);
    const rolledBack = JSON.parse(await dancu('rollback', '--json')) as Change;
    expect(rolledBack.candidateVersion).toBe(settingsVersion(original));
    await applied();
    await run.waitUntilDrained(120_000);
    expect(await openSettingsCases()).toBe(0);
    const after = await links();
    expect([...after.values()].map((l) => [l.record, l.citizen_id]).sort()).toEqual([...linksBefore.values()].map((l) => [l.record, l.citizen_id]).sort());
    const history = JSON.parse(await dancu('history', '--json')) as { current: string };
    expect(history.current).toBe(settingsVersion(original));
  });

  it('refuses in one line a second rollback with nothing before the first settings', async () => {
    const failed = await dancu('rollback').then(
      () => null,
      (error: { stderr: string }) => error,
    );
    expect(failed?.stderr.trim().split('\n')).toHaveLength(1);
    expect(failed?.stderr).toMatch(/no earlier settings version/);
  });

  it('rolls back a promotion that dropped a blocking rule, naming the rule for `dancu reindex` in one line', async () => {
    const dropped = original.blocking_rules.at(-1)!;
    const narrowFile = join(dir, 'narrow.json');
    saveSettings({ ...original, blocking_rules: original.blocking_rules.filter((rule) => rule.name !== dropped.name) }, narrowFile);
    await dancu('promote', narrowFile, '--json');
    await applied();
    const output = await dancu('rollback');
    expect(output.split('\n').filter((line) => line.includes('dancu reindex'))).toEqual([expect.stringContaining(dropped.name)]);
    const history = JSON.parse(await dancu('history', '--json')) as { current: string };
    expect(history.current).toBe(settingsVersion(original));
  });
});
