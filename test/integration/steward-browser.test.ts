import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { settingsVersion } from '../../services/shared/linkage/settings-version.js';
import { testLogger } from '../helpers/real-stack.js';
import { casePairEvidenceIsAgainst, openCases, PASSWORD, startStewardRun, type StewardRun } from '../helpers/steward-run.js';
import { waitUntil } from '../helpers/wait.js';
import { allowList, leftover, visibleTexts } from '../helpers/ui-text.js';

const CHROMIUM = process.env.DANCU_CHROMIUM ?? '/usr/bin/chromium';
/** Set DANCU_SCREENSHOTS=1 to refresh the README's screenshots under docs/screenshots. */
const SCREENSHOTS = process.env.DANCU_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs', 'screenshots') : null;

describe('steward review UI in a browser: a steward clears a case of each kind and the register changes', () => {
  let s: StewardRun;
  let browser: Browser;
  let page: Page;
  /** A second steward, and a viewer, each in their own browser context (their own session). */
  let bobPage: Page;
  let veraPage: Page;
  let cases: Awaited<ReturnType<typeof openCases>>;
  const query = async <T extends object>(sql: string, params: unknown[] = []) => (await s.run.pool.query<T>(sql, params)).rows;
  const linkOf = async (recordId: string) =>
    (await query<{ citizen_id: string }>('select citizen_id from record_links where source_record_id = $1', [recordId]))[0]?.citizen_id ?? null;
  const caseOf = (prefix: string, index: number) => cases.filter((c) => c.record?.startsWith(prefix))[index]!;

  /** A user signed in through the login form in a browser context of their own, the UI switched to English. */
  const signIn = async (username: string): Promise<Page> => {
    const own = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    await own.goto(`${s.baseUrl}/ui/login.html`);
    await own.locator('#username').fill(username);
    await own.locator('#password').fill(PASSWORD);
    await own.locator('#sign-in').click();
    await own.locator('#queue').waitFor();
    await own.locator('#language').click();
    await own.locator('h1', { hasText: 'Review queue' }).waitFor();
    return own;
  };

  /** Opens a case afresh: on the page showing it already, the hash would not change and the page would stay as it was. */
  const openCase = async (p: Page, caseId: number) => {
    const url = `${s.baseUrl}/#/case/${caseId}`;
    if (p.url() === url) await p.reload();
    else await p.goto(url);
    await p.locator('#compare').waitFor();
  };

  /**
   * A merge with four eyes, in the browser: alice names both citizens, previews the merged record
   * and proposes it; bob, on his own session, sees the proposal and its preview and approves it.
   */
  const mergeFourEyes = async (caseId: number, survivor: string, merged: string, comment: string, screenshot?: string) => {
    await openCase(page, caseId);
    await page.locator('#merge-survivor').selectOption(survivor);
    await page.locator('#merge-merged').selectOption(merged);
    await page.locator('#merge-preview-button').click();
    await page.locator('#merge-preview tr[data-field="full_name"]').waitFor();
    await page.locator('#comment').fill(comment);
    await page.locator('#merge-propose').click();
    await page.locator('#merge-waiting').waitFor();
    expect(await page.locator('#approve-merge').count()).toBe(0);
    await openCase(bobPage, caseId);
    await bobPage.locator('#merge-waiting').waitFor();
    await bobPage.locator('#merge-preview tr[data-field="full_name"]').waitFor();
    await bobPage.locator('#comment').fill('checked: one person');
    if (screenshot) await bobPage.screenshot({ path: screenshot, fullPage: true });
    await bobPage.locator('#approve-merge').click();
    await bobPage.locator('#decision-status', { hasText: /^Applied$/ }).waitFor({ timeout: 30_000 });
  };

  /** Opens a case, claims it, writes the comment and presses the decision's key; waits until the store has applied (or refused) it. */
  const decide = async (caseId: number, key: string, comment: string, pick?: number) => {
    await page.goto(`${s.baseUrl}/#/case/${caseId}`);
    await page.locator('#compare').waitFor();
    const before = await page.locator('#decisions li').count();
    await page.locator('#claim').click();
    await page.locator('#release').waitFor();
    if (pick !== undefined) await page.locator(`#pick-${pick}`).click();
    await page.locator('#comment').fill(comment);
    await page.keyboard.press('Escape');
    await page.keyboard.press(key);
    const latest = page.locator('#decisions li').nth(before);
    await latest.filter({ hasText: /Applied|Refused/ }).waitFor({ timeout: 30_000 });
    expect(await latest.textContent()).toContain('Applied');
    await page.locator('#decision-status', { hasText: 'Applied' }).waitFor({ timeout: 5_000 });
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium package`);
    s = await startStewardRun('steward-ui', testLogger);
    cases = await openCases(s.run);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    bobPage = await signIn('bob');
    veraPage = await signIn('vera');
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('signs in through the login form, in Vietnamese until asked for English', async () => {
    await page.goto(`${s.baseUrl}/`);
    expect(page.url()).toBe(`${s.baseUrl}/ui/login.html`);
    expect(await page.locator('#sign-in').textContent()).toBe('Đăng nhập');
    await page.locator('#username').fill('alice');
    await page.locator('#password').fill('not the password');
    await page.locator('#sign-in').click();
    await page.locator('#login-error').filter({ hasText: 'Sai tên đăng nhập' }).waitFor();
    await page.locator('#language').click();
    await page.locator('#password').fill(PASSWORD);
    await page.locator('#sign-in').click();
    await page.locator('#queue').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Review queue');
  });

  it('lists every open case in the queue, most urgent first', async () => {
    expect(await page.locator('#queue tbody tr').count()).toBe(cases.length);
    const priorities = (await page.locator('#queue tbody td.priority').allTextContents()).map(Number);
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, 'review-queue.png') });
    }
  });

  it('shows a case side by side with the weights of the chosen candidate as a waterfall', async () => {
    const target = caseOf('HARD-ID-', 0);
    await page.goto(`${s.baseUrl}/#/case/${target.case_id}`);
    await page.locator('#compare').waitFor();
    expect(await page.locator('#compare thead th').count()).toBe(2 + target.candidates.length);
    expect(await page.locator('#waterfall g.step').count()).toBeGreaterThan(3);
    await page.keyboard.press('2');
    expect(await page.locator('#pick-2').getAttribute('aria-pressed')).toBe('true');
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'review-case.png'), fullPage: true });
  });

  it('links a record with a contradicted ID to its person, from the keyboard', async () => {
    const target = caseOf('HARD-ID-', 0);
    const truth = s.hard.records.get(target.record!)!.citizenId;
    await decide(target.case_id, 'l', 'same name and birth year; the ID was mistyped', target.candidates.indexOf(truth) + 1);
    expect(await linkOf(target.record!)).toBe(truth);
  });

  it('makes a new citizen of a namesake record', async () => {
    const target = caseOf('HARD-NAMESAKE-', 0);
    await decide(target.case_id, 'n', 'a third person of that name');
    const linked = await linkOf(target.record!);
    expect(linked).not.toBeNull();
    expect(target.candidates).not.toContain(linked);
    expect((await query<{ origin: string }>('select origin from citizens where citizen_id = $1', [linked]))[0]!.origin).toBe('source:vaccination');
  });

  it('rejects a record that cannot be told apart', async () => {
    const target = caseOf('HARD-NAMESAKE-', 1);
    await decide(target.case_id, 'r', 'no address and no ID: the clinic must send them');
    expect(await linkOf(target.record!)).toBeNull();
    expect(
      (
        await query<{ outcome: string }>(
          `select outcome from observation_outcomes where decision_id in (select decision_id from steward_decisions where case_id = $1)`,
          [target.case_id],
        )
      )[0]!.outcome,
    ).toBe('REJECTED');
  });

  it('offers Undo only to the steward who decided (and supervisors), not to another steward or a viewer', async () => {
    const target = caseOf('HARD-NAMESAKE-', 0);
    await openCase(page, target.case_id);
    expect(await page.locator('#decisions li button.undo').count()).toBe(1);
    for (const other of [bobPage, veraPage]) {
      await openCase(other, target.case_id);
      await other.locator('#decisions li').first().waitFor();
      expect(await other.locator('#decisions li button.undo').count()).toBe(0);
    }
  });

  it("says on a contradicted ID's case what is wrong and offers no new citizen", async () => {
    const target = caseOf('HARD-ID-', 1);
    await openCase(page, target.case_id);
    expect(await page.locator('h1').textContent()).toContain('Personal ID contradicts name and date of birth');
    expect(await page.locator('#decide-new').count()).toBe(0);
    expect(await page.locator('#decide-link').count()).toBe(1);
    expect(await page.locator('#decide-reject').count()).toBe(1);
    await page.keyboard.press('n');
    expect(await page.locator('#decisions li').count()).toBe(0);
  });

  it('refuses, in Vietnamese, a merge the evidence is strongly against, after showing why in the preview', async () => {
    const pair = await casePairEvidenceIsAgainst(s.run);
    await bobPage.locator('#language').click();
    await openCase(bobPage, pair.case_id);
    await bobPage.locator('#merge-survivor').selectOption(pair.a);
    await bobPage.locator('#merge-merged').selectOption(pair.b);
    await bobPage.locator('#merge-preview-button').click();
    await bobPage.locator('#merge-evidence').waitFor();
    await bobPage.locator('#comment').fill('cùng một người');
    await bobPage.locator('#merge-propose').click();
    await bobPage.locator('#decision-status', { hasText: 'Bằng chứng phản đối hợp nhất' }).waitFor();
    expect(await query('select 1 from merge_proposals where case_id = $1', [pair.case_id])).toEqual([]);
    await bobPage.locator('#language').click();
    await bobPage.locator('#comment').waitFor();
  });

  it('merges a citizen registered twice only once a second steward approves the proposal, and M alone merges nothing', async () => {
    const [first, second] = s.hard.registeredTwice[0]!;
    const target = cases.find((c) => c.reason === 'POSSIBLE_DUPLICATE' && c.candidates.includes(second))!;
    await openCase(page, target.case_id);
    await page.locator('#comment').fill('one person registered twice');
    await page.keyboard.press('Escape');
    await page.keyboard.press('m');
    expect(await query('select 1 from steward_decisions where case_id = $1', [target.case_id])).toEqual([]);
    await mergeFourEyes(target.case_id, first, second, 'one person registered twice', SCREENSHOTS ? join(SCREENSHOTS, 'review-merge.png') : undefined);
    expect((await query<{ merged_into: string }>('select merged_into from citizens where citizen_id = $1', [second]))[0]!.merged_into).toBe(first);
  });

  it('undoes the merge from the case page of the steward who approved it', async () => {
    const [, second] = s.hard.registeredTwice[0]!;
    await bobPage.locator('#comment').fill('two people after all');
    await bobPage.keyboard.press('Escape');
    await bobPage.keyboard.press('u');
    await bobPage.locator('#case-meta').filter({ hasText: 'Open' }).waitFor({ timeout: 30_000 });
    expect((await query<{ status: string }>('select status from citizens where citizen_id = $1', [second]))[0]!.status).toBe('ALIVE');
  });

  it('shows the queue and a case only in words of the catalogue, in Vietnamese and in English, dates as dd/mm/yyyy', async () => {
    const withDecisions = caseOf('HARD-NAMESAKE-', 0);
    const [merged] = await query<{ case_id: number }>(`select case_id::int as case_id from merge_proposals order by proposal_id limit 1`);
    const [, secondOfPair] = s.hard.registeredTwice[1]!;
    const pair = cases.find((c) => c.reason === 'POSSIBLE_DUPLICATE' && c.candidates.includes(secondOfPair))!;
    const pages = ['#/', `#/case/${withDecisions.case_id}`, `#/case/${caseOf('HARD-ID-', 1).case_id}`, `#/case/${merged!.case_id}`, `#/case/${pair.case_id}`];
    for (const lang of ['vi', 'en'] as const) {
      await page.evaluate((l) => localStorage.setItem('dancu.lang', l), lang);
      for (const hash of pages) {
        await page.goto(`${s.baseUrl}/${hash}`);
        await page.reload();
        await page.locator('#queue, #empty, #compare').first().waitFor();
        const { allowed, data } = await allowList(page, lang, hash);
        const untranslated = (await visibleTexts(page)).map((text) => leftover(text, allowed, data)).filter((rest) => /\p{L}/u.test(rest));
        expect({ lang, hash, untranslated }).toEqual({ lang, hash, untranslated: [] });
        // Dates in the US or ISO style are not shown.
        expect((await visibleTexts(page)).filter((text) => /\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}\/\d{1,2}\/\d{4},/.test(text))).toEqual([]);
      }
    }
    await page.evaluate(() => localStorage.setItem('dancu.lang', 'en'));
    await page.goto(`${s.baseUrl}/#/case/${withDecisions.case_id}`);
    await page.reload();
    await page.locator('#compare').waitFor();
    expect(await page.locator('#case-meta').textContent()).toContain('Waiting for');
  });

  it('shows the version of the linkage settings that sent the record to review', async () => {
    const [open] = await openCases(s.run);
    await page.goto(`${s.baseUrl}/#/case/${open!.case_id}`);
    await page.locator('#compare').waitFor();
    expect(await page.locator('#case-settings').textContent()).toContain(settingsVersion(loadSettings()));
  });

  it('clears every case left in the queue, one after another, until the queue says none are left', async () => {
    const twice = new Map(s.hard.registeredTwice.map(([first, second]) => [second, first]));
    for (let round = 0; round < 20; round += 1) {
      await page.goto(`${s.baseUrl}/#/`);
      await page.locator('#queue, #empty').first().waitFor();
      if (await page.locator('#empty').count()) break;
      const caseId = Number(await page.locator('#queue tbody tr').first().getAttribute('data-case'));
      const c = (await openCases(s.run)).find((open) => open.case_id === caseId)!;
      const truth = c.record ? s.hard.records.get(c.record)?.citizenId : undefined;
      const second = c.candidates.find((id) => twice.has(id));
      if (c.record && truth && c.candidates.includes(truth)) await decide(caseId, 'l', "the record's own person", c.candidates.indexOf(truth) + 1);
      else if (c.record) await decide(caseId, 'r', 'cannot be told apart: the source must send an ID');
      else if (second) await mergeFourEyes(caseId, twice.get(second)!, second, 'one person registered twice');
      else await decide(caseId, 'd', 'namesakes: two people');
    }
    expect(await page.locator('#empty').count()).toBe(1);
    expect(await openCases(s.run)).toEqual([]);
    expect(await query(`select decision_id from steward_decisions where applied_at is null or result->>'status' <> 'applied'`)).toEqual([]);
  });

  it('shows the history of a citizen, and audits the view', async () => {
    const [first] = s.hard.registeredTwice[0]!;
    await page.goto(`${s.baseUrl}/#/citizen/${first}`);
    await page.locator('#citizen-title').waitFor();
    expect(await page.locator('h2').allTextContents()).toEqual(expect.arrayContaining(['Field history', 'Merges', 'Audit trail']));
    await waitUntil(
      () =>
        query<{ n: string }>(`select count(*) as n from audit_log where action = 'CITIZEN_VIEWED' and actor = 'steward:alice' and citizen_id = $1`, [first]),
      (rows) => rows[0]!.n === '1',
      5_000,
      'the view audited',
    );
  });
});
