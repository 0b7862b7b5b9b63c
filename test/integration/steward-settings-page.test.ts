import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, saveSettings } from '../../services/shared/linkage/settings.js';
import { settingsVersion } from '../../services/shared/linkage/settings-version.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { launchChromium, SCREENSHOTS, signInAs } from '../helpers/browser.js';
import { testLogger } from '../helpers/real-stack.js';
import { startStewardRun, StewardClient, type StewardRun } from '../helpers/steward-run.js';
import { untranslatedTexts } from '../helpers/ui-text.js';

const exec = promisify(execFile);

interface Runs {
  current: string;
  runs: { id: number; kind: string; candidate_version: string; changed: number; transitions: { transition: string; count: number }[] }[];
}

const VIETNAMESE: Record<string, string> = { LINK: 'Liên kết', REVIEW: 'Xem xét', NEW: 'Công dân mới', UNLINKED: 'Chờ liên kết' };
const inVietnamese = (transition: string) =>
  transition.replace(/\b(LINK|REVIEW|NEW|UNLINKED)\b/g, (kind) => VIETNAMESE[kind]!).replace('(another citizen)', '(công dân khác)');

/** The values a settings page shows as they are (versions, ids, who ran it): data, not words to translate. */
function dataOf(value: unknown, key = ''): string[] {
  const DATA = new Set(['current', 'current_version', 'candidate_version', 'version', 'previous_version', 'actor', 'recordId', 'citizenId']);
  if (typeof value === 'string') return DATA.has(key) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => dataOf(item, key));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => dataOf(v, k));
  return [];
}

describe('the review UI’s settings page: the saved shadow runs, for supervisors', () => {
  let s: StewardRun;
  let browser: Browser;
  let sam: Page;
  let runs: Runs;
  // No band between the thresholds: the records sent to review for a score in it would be linked.
  const candidate = { ...loadSettings(), thresholds: { ...loadSettings().thresholds, link_probability: loadSettings().thresholds.review_probability } };

  beforeAll(async () => {
    s = await startStewardRun('steward-settings', testLogger);
    const file = join(mkdtempSync(join(tmpdir(), 'dancu-settings-page-')), 'candidate.json');
    saveSettings(candidate, file);
    await exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'settings', 'shadow', '--candidate', file, '--save'], { cwd: REPO_ROOT, env: s.run.env });
    runs = (await (await StewardClient.signIn(s, 'sam')).call<Runs>('GET', '/api/settings/shadow-runs')).body;
    browser = await launchChromium();
    sam = await signInAs(browser, s.baseUrl, 'sam', 'vi');
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('lists the saved shadow run with its counts by transition and the current version', () => {
    expect(runs.current).toBe(settingsVersion(loadSettings()));
    expect(runs.runs).toEqual([expect.objectContaining({ kind: 'SHADOW', candidate_version: settingsVersion(candidate) })]);
    expect(runs.runs[0]!.changed).toBeGreaterThan(0);
    expect(runs.runs[0]!.transitions.reduce((sum, change) => sum + change.count, 0)).toBe(runs.runs[0]!.changed);
  });

  it('refuses the shadow runs to a steward who is not a supervisor', async () => {
    const alice = await StewardClient.signIn(s, 'alice');
    expect((await alice.call('GET', '/api/settings/shadow-runs')).status).toBe(403);
    expect((await alice.call('GET', `/api/settings/shadow-runs/${runs.runs[0]!.id}`)).status).toBe(403);
  });

  it('shows a supervisor the run in Vietnamese, each transition counted', async () => {
    await sam.goto(`${s.baseUrl}/#/settings`);
    await sam.locator('#shadow-runs').waitFor();
    const text = await sam.locator('#shadow-runs').textContent();
    for (const change of runs.runs[0]!.transitions) expect(text).toContain(`${inVietnamese(change.transition)}: ${change.count}`);
    expect(await sam.locator('#settings-current').textContent()).toContain(runs.current);
  });

  it('shows examples of a change with both decisions explained side by side', async () => {
    await sam.locator('.shadow-run-link').first().click();
    await sam.locator('.shadow-examples').first().waitFor();
    const sides = sam.locator('.shadow-examples tbody tr').first().locator('.shadow-side');
    expect(await sides.count()).toBe(2);
    const [from, to] = runs.runs[0]!.transitions[0]!.transition.split(' → ').map((kind) => kind.replace(/ .*/, ''));
    expect(await sides.nth(0).locator('strong').textContent()).toBe(VIETNAMESE[from!]);
    expect(await sides.nth(1).locator('strong').textContent()).toBe(VIETNAMESE[to!]);
    expect(await sam.locator('.shadow-side li').count()).toBeGreaterThan(0);
    if (SCREENSHOTS) await sam.screenshot({ path: join(SCREENSHOTS, 'steward-settings-shadow-run.png'), fullPage: true });
  });

  it('audits who opened a shadow run’s report', async () => {
    const { rows } = await s.run.pool.query<{ actor: string }>("select actor from audit_log where action = 'SHADOW_RUN_VIEWED'");
    expect(rows.map((row) => row.actor)).toContain('steward:sam');
  });

  it('shows the list and the report only in words of the catalogue, in Vietnamese and in English', async () => {
    const id = runs.runs[0]!.id;
    const detail = (await (await StewardClient.signIn(s, 'sam')).call('GET', `/api/settings/shadow-runs/${id}`)).body;
    const data = [...dataOf(runs), ...dataOf(detail)];
    for (const lang of ['vi', 'en'] as const) {
      await sam.evaluate((l) => localStorage.setItem('dancu.lang', l), lang);
      for (const hash of ['#/settings', `#/settings/${id}`]) {
        await sam.goto(`${s.baseUrl}/${hash}`);
        await sam.reload();
        await sam.locator('#shadow-runs, .shadow-examples').first().waitFor();
        expect({ lang, hash, untranslated: await untranslatedTexts(sam, lang, hash, { data }) }).toEqual({ lang, hash, untranslated: [] });
      }
    }
  });
});
