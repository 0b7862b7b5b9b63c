import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { foldToAscii } from '../../services/shared/normalise/text.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { saveUser } from '../../services/shared/review/steward-users.js';
import type { VaccinationEvent } from '../../services/shared/schemas/records.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { testLogger } from '../helpers/real-stack.js';
import { PASSWORD, startStewardRun, StewardClient, type StewardRun } from '../helpers/steward-run.js';
import { untranslatedTexts } from '../helpers/ui-text.js';
import { waitUntil } from '../helpers/wait.js';

const CHROMIUM = process.env.DANCU_CHROMIUM ?? '/usr/bin/chromium';
/** Set DANCU_SCREENSHOTS=1 to refresh the README's screenshots under docs/screenshots. */
const SCREENSHOTS = process.env.DANCU_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs', 'screenshots') : null;

/** A vaccination site whose clerk typed the nurse's personal ID into every patient's ID column. */
const SITE = 'Trạm y tế phường Bến Nghé';
const PROVINCE = 'Hồ Chí Minh';
const SITE_RECORDS = 6;
const AUDIT_KEY = 'a key of the audit digests, for the test';

const familyOf = (person: SyntheticCitizen) => foldToAscii(person.full_name).split(' ')[0];

function vaccination(recordId: string, person: VaccinationEvent['person'], facility: string): VaccinationEvent {
  const now = Date.now();
  return {
    source_system: 'tiemchung-synthetic',
    source_record_id: recordId,
    change_type: 'CREATE',
    event_type: 'VACCINATION',
    event_time: now - 3_600_000,
    person,
    vaccination: {
      vaccine_code: 'MR',
      vaccine_name: null,
      dose_number: 1,
      date_administered: new Date(now).toISOString().slice(0, 10),
      facility,
      lot_number: 'L2026',
    },
  };
}

/**
 * The site's records: each a patient of the register (another family than the nurse's, another
 * birth year) with the nurse's ID, the birth year only and the site's address; and one clean
 * record of a citizen that links on its own, to be found by its record id.
 */
function siteRecords(population: SyntheticCitizen[]): {
  nurse: SyntheticCitizen;
  patients: SyntheticCitizen[];
  clean: SyntheticCitizen;
  events: VaccinationEvent[];
} {
  const nurse = population[1]!;
  const patients = population
    .filter((p, i) => i % 7 === 5 && familyOf(p) !== familyOf(nurse) && p.date_of_birth.slice(0, 4) !== nurse.date_of_birth.slice(0, 4))
    .slice(0, SITE_RECORDS);
  const sex = (p: SyntheticCitizen) => (p.sex === 'MALE' ? 'Nam' : 'Nữ');
  const events = patients.map((p, i) =>
    vaccination(
      `SITE-${i}`,
      {
        personal_id: nurse.personal_id,
        full_name: p.full_name,
        date_of_birth: p.date_of_birth.slice(0, 4),
        sex: sex(p),
        address: `Phường Bến Nghé, ${PROVINCE}`,
      },
      SITE,
    ),
  );
  const clean = population[13]!;
  events.push(
    vaccination(
      'CLEAN-1',
      { personal_id: clean.personal_id, full_name: clean.full_name, date_of_birth: clean.date_of_birth, sex: sex(clean), address: clean.address },
      'Trạm y tế xã',
    ),
  );
  return { nurse, patients, clean, events };
}

interface Line {
  case_id: number;
  version: number;
  reason: string;
  status: string;
  claimed_by: string | null;
  assigned_to: string | null;
  team: string | null;
  facility: string | null;
  province: string | null;
}

describe("stewards' tools: search, work lists, live claims, stale pages and bulk decisions", () => {
  let s: StewardRun;
  let alice: StewardClient;
  let bob: StewardClient;
  let vera: StewardClient;
  let sam: StewardClient;
  let browser: Browser;
  let site: ReturnType<typeof siteRecords>;
  const query = async <T extends object>(sql: string, params: unknown[] = []) => (await s.run.pool.query<T>(sql, params)).rows;
  const queue = async (client: StewardClient, filter: string) =>
    (await client.call<{ total: number; cases: Line[] }>('GET', `/api/cases?limit=200&${filter}`)).body;
  const siteCases = async () => (await queue(alice, `facility=${encodeURIComponent(SITE)}`)).cases;
  const recordCase = async (recordId: string) =>
    (await query<{ case_id: number }>(`select case_id::int as case_id from review_cases where observation->>'source_record_id' = $1`, [recordId]))[0]!.case_id;
  const caseVersion = async (caseId: number) => (await query<{ version: number }>('select version from review_cases where case_id = $1', [caseId]))[0]!.version;
  const decisionsOf = async (caseId: number) => query<{ action: string }>('select action from steward_decisions where case_id = $1', [caseId]);

  /** A user signed in through the login form in a browser context of their own, the UI in `lang`. */
  const signIn = async (username: string, lang: 'vi' | 'en' = 'en', password = PASSWORD): Promise<Page> => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 1000 } })).newPage();
    await page.goto(`${s.baseUrl}/ui/login.html`);
    await page.evaluate((l) => localStorage.setItem('dancu.lang', l), lang);
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(password);
    await page.locator('#sign-in').click();
    await page.locator('#queue, #empty').first().waitFor();
    return page;
  };

  /** Shows the queue filtered as given (the filter is kept in the tab, as a steward's is). */
  const showQueue = async (page: Page, filter: Record<string, string>) => {
    await page.evaluate((f) => sessionStorage.setItem('dancu.queueFilter', JSON.stringify({ status: 'open', ...f })), filter);
    await page.goto(`${s.baseUrl}/#/`);
    await page.reload();
    await page.locator('#queue, #empty').first().waitFor();
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium package`);
    s = await startStewardRun('steward-tools', testLogger, { DANCU_STEWARD_AUDIT_KEY: AUDIT_KEY });
    site = siteRecords(generatePopulation(400, 4242));
    const before = Number((await query<{ n: string }>('select count(*) as n from observation_outcomes'))[0]!.n);
    await publishEvents({
      producer: s.run.producer,
      registry: s.run.registry,
      topic: s.run.topics.vaccination,
      record: 'vaccinationEvent',
      events: site.events,
    });
    await waitUntil(
      async () => Number((await query<{ n: string }>('select count(*) as n from observation_outcomes'))[0]!.n),
      (n) => n >= before + site.events.length,
      60_000,
      "the site's records applied",
    );
    await s.run.waitUntilDrained(60_000);
    await saveUser(s.run.pool, 'pat', PASSWORD, 'steward');
    [alice, bob, vera, sam] = (await Promise.all(['alice', 'bob', 'vera', 'sam'].map((user) => StewardClient.signIn(s, user)))) as [
      StewardClient,
      StewardClient,
      StewardClient,
      StewardClient,
    ];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  describe('API', () => {
    it("has the site's records in review, each naming its facility and province", async () => {
      const lines = await siteCases();
      expect(lines.length).toBe(SITE_RECORDS);
      expect(new Set(lines.map((l) => `${l.reason} ${l.facility} ${l.province}`))).toEqual(new Set([`PID_CONTRADICTED ${SITE} ${PROVINCE}`]));
    });

    it('answers 401 to a search without a session and 400, never 500, to a bad search', async () => {
      const anonymous = await fetch(`${s.baseUrl}/api/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"An"}' });
      expect(anonymous.status).toBe(401);
      const bad = [
        { query: '' },
        { query: 'An\u0000' },
        { query: 'An', birthDate: '45/13/2000' },
        { query: 'An', limit: 51 },
        { query: '%%' },
        { query: 'x'.repeat(101) },
      ];
      for (const body of bad) expect({ body, status: (await vera.call('POST', '/api/search', body)).status }).toEqual({ body, status: 400 });
    });

    it('finds a citizen by name typed without diacritics in any case, as with them, narrowed by the birth date', async () => {
      const person = site.clean;
      const search = async (text: string, birthDate?: string) =>
        (
          await vera.call<{ citizens: { citizen_id: string }[] }>('POST', '/api/search', { query: text, ...(birthDate ? { birthDate } : {}) })
        ).body.citizens.map((c) => c.citizen_id);
      const exact = await search(person.full_name);
      expect(exact).toContain(person.citizen_id);
      expect(await search(foldToAscii(person.full_name).toUpperCase())).toEqual(exact);
      const [year, month, day] = person.date_of_birth.split('-');
      expect(await search(foldToAscii(person.full_name), `${day}/${month}/${year}`)).toEqual([person.citizen_id]);
    });

    it('finds a citizen by personal ID, and by the id of a sector record linked to them, with the record', async () => {
      const person = site.clean;
      const byId = await vera.call<{ citizens: { citizen_id: string; matched_by: string; links: number }[] }>('POST', '/api/search', {
        query: person.personal_id,
      });
      expect(byId.body.citizens.map((c) => [c.citizen_id, c.matched_by])).toEqual([[person.citizen_id, 'personal_id']]);
      expect(byId.body.citizens[0]!.links).toBe(1);
      for (const text of ['CLEAN-1', 'tiemchung-synthetic/CLEAN-1']) {
        const byRecord = await vera.call<{ citizens: { citizen_id: string; matched_by: string; record: { source_record_id: string } }[] }>(
          'POST',
          '/api/search',
          {
            query: text,
          },
        );
        expect(byRecord.body.citizens.map((c) => [c.citizen_id, c.matched_by, c.record.source_record_id])).toEqual([[person.citizen_id, 'record', 'CLEAN-1']]);
      }
    });

    it('lists the records waiting in review that carry the ID searched for', async () => {
      const { body } = await vera.call<{ citizens: { citizen_id: string }[]; cases: { case_id: number }[] }>('POST', '/api/search', {
        query: site.nurse.personal_id,
      });
      expect(body.citizens.map((c) => c.citizen_id)).toEqual([site.nurse.citizen_id]);
      const carrying = await query<{ case_id: number }>(
        `select case_id::int as case_id from review_cases where status <> 'DECIDED' and observation->'person'->>'personal_id' = $1 order by case_id`,
        [site.nurse.personal_id],
      );
      expect(body.cases.map((c) => c.case_id)).toEqual(carrying.map((c) => c.case_id));
      expect(body.cases.map((c) => c.case_id)).toEqual(expect.arrayContaining((await siteCases()).map((l) => l.case_id)));
    });

    it('says when more citizens matched than it shows', async () => {
      const { body } = await vera.call<{ citizens: unknown[]; truncated: boolean }>('POST', '/api/search', { query: 'nguyen', limit: 2 });
      expect([body.citizens.length, body.truncated]).toEqual([2, true]);
    });

    it('audits every search by the citizens it found and a keyed digest of what was typed, never the name in clear', async () => {
      const name = site.patients[0]!.full_name;
      const { body } = await vera.call<{ citizens: { citizen_id: string }[] }>('POST', '/api/search', { query: name });
      const rows = await query<{ citizen_id: string | null; details: Record<string, unknown> }>(
        `select citizen_id, details from audit_log where action = 'CITIZENS_SEARCHED' and actor = 'steward:vera' and details->>'by' = 'name' order by id desc limit $1`,
        [body.citizens.length],
      );
      expect(rows.map((r) => r.citizen_id).sort()).toEqual(body.citizens.map((c) => c.citizen_id).sort());
      expect(rows[0]!.details.query_digest).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(rows)).not.toContain(name);
      expect(JSON.stringify(rows)).not.toContain(foldToAscii(name));
    });

    it("gives a case's version and claim to a page polling it, without personal data, and refuses bad ids with 400", async () => {
      const [line] = await siteCases();
      const { status, body } = await vera.call<{ cases: { case_id: number; version: number; claimed_by: string | null }[] }>(
        'GET',
        `/api/case-states?ids=${line!.case_id}`,
      );
      expect(status).toBe(200);
      expect(body.cases).toEqual([expect.objectContaining({ case_id: line!.case_id, version: line!.version, claimed_by: null })]);
      for (const ids of ['', 'a', '1,,2', `${'1,'.repeat(200)}1`]) expect((await vera.call('GET', `/api/case-states?ids=${ids}`)).status).toBe(400);
    });

    it('refuses a decision sent with the version of a page that no longer shows the case as it is (412 STALE_CASE)', async () => {
      const caseId = await recordCase(`HARD-NAMESAKE-17-2`);
      const shown = await caseVersion(caseId);
      expect((await bob.call('POST', `/api/cases/${caseId}/claim`)).status).toBe(200);
      expect((await bob.call('POST', `/api/cases/${caseId}/release`)).status).toBe(200);
      const refused = await alice.call('POST', `/api/cases/${caseId}/decisions`, { action: 'REJECT', comment: 'no ID' }, { 'if-match': `"${shown}"` });
      expect([refused.status, refused.body.error]).toEqual([412, 'STALE_CASE']);
      expect(await decisionsOf(caseId)).toEqual([]);
      const fresh = await caseVersion(caseId);
      expect(fresh).toBe(shown + 2);
      const claimed = await alice.call('POST', `/api/cases/${caseId}/claim`, undefined, { 'if-match': `"${fresh}"` });
      expect(claimed.status).toBe(200);
      expect((await alice.call('POST', `/api/cases/${caseId}/release`)).status).toBe(200);
      expect((await alice.call('POST', `/api/cases/${caseId}/claim`, undefined, { 'if-match': 'yesterday' })).status).toBe(400);
    });

    it('lets a supervisor, and no one else, assign cases to a steward, whose "my cases" then lists them', async () => {
      const ids = (await queue(alice, 'reason=PID_CONTRADICTED')).cases.filter((l) => l.facility !== SITE).map((l) => l.case_id);
      expect(ids.length).toBe(3);
      expect((await bob.call('POST', '/api/cases/assign', { caseIds: ids, username: 'alice' })).status).toBe(403);
      expect((await sam.call('POST', '/api/cases/assign', { caseIds: ids, username: 'vera' })).status).toBe(422);
      expect((await sam.call('POST', '/api/cases/assign', { caseIds: ids, username: 'alice', team: 'x' })).status).toBe(400);
      const sorted = [...ids].sort((a, b) => a - b);
      expect((await sam.call<{ assigned: number[] }>('POST', '/api/cases/assign', { caseIds: ids, username: 'alice' })).body.assigned).toEqual(sorted);
      expect((await queue(alice, 'list=mine')).cases.map((l) => l.case_id).sort((a, b) => a - b)).toEqual(sorted);
      expect((await queue(bob, 'list=mine')).cases).toEqual([]);
    });

    it("routes cases to teams by rules as data, the most specific first, into each member's team list", async () => {
      expect((await bob.call('POST', '/api/assignment-rules', { source: 'vaccination', team: 'Tiêm chủng' })).status).toBe(403);
      expect((await sam.call('POST', '/api/assignment-rules', { source: 'vaccination', team: '<b>' })).status).toBe(400);
      expect((await sam.call('POST', '/api/assignment-rules', { source: 'vaccination', team: 'Tiêm chủng' })).status).toBe(201);
      const byProvince = await sam.call<{ rule_id: number }>('POST', '/api/assignment-rules', { province: PROVINCE, team: 'Nhóm HCM' });
      expect((await sam.call('PUT', `/api/teams/${encodeURIComponent('Nhóm HCM')}/members/bob`)).status).toBe(200);
      const siteIds = (await siteCases()).map((l) => l.case_id);
      expect((await queue(bob, 'list=team')).cases.map((l) => l.case_id)).toEqual(siteIds);
      const teams = new Set((await queue(alice, 'source=vaccination')).cases.map((l) => `${l.facility === SITE} ${l.team}`));
      expect(teams).toEqual(new Set(['true Nhóm HCM', 'false Tiêm chủng']));
      expect((await sam.call('DELETE', `/api/assignment-rules/${byProvince.body.rule_id}`)).status).toBe(200);
      expect((await sam.call('DELETE', `/api/assignment-rules/${byProvince.body.rule_id}`)).status).toBe(404);
      expect((await queue(bob, 'list=team')).cases).toEqual([]);
    });

    it('decides the selected cases in one batch: a case another steward holds, and one changed since it was shown, are skipped', async () => {
      const shown = await siteCases();
      const [held, changed] = shown;
      // Another steward claims one case and holds it; another changes (claimed and given back) after the page showed it.
      for (const path of [`${changed!.case_id}/claim`, `${changed!.case_id}/release`, `${held!.case_id}/claim`])
        expect((await bob.call('POST', `/api/cases/${path}`)).status).toBe(200);
      const lines = await siteCases();
      const cases = lines.map((l) => ({ id: l.case_id, version: l.case_id === changed!.case_id ? changed!.version : l.version }));
      expect((await vera.call('POST', '/api/bulk-decisions', { cases, action: 'REJECT', comment: 'x' })).status).toBe(403);
      expect((await alice.call('POST', '/api/bulk-decisions', { cases, action: 'MERGE', comment: 'x' })).status).toBe(400);
      expect((await alice.call('POST', '/api/bulk-decisions', { cases: [], action: 'REJECT', comment: 'x' })).status).toBe(400);
      const { status, body } = await alice.call<{ batch_id: number; done: { case_id: number }[]; skipped: { case_id: number; code: string }[] }>(
        'POST',
        '/api/bulk-decisions',
        { cases, action: 'REJECT', comment: "the nurse's ID in every patient's ID column: the site must resend", selection: { facility: SITE } },
      );
      expect(status).toBe(202);
      expect(body.skipped.sort((a, b) => a.case_id - b.case_id)).toEqual(
        [
          { case_id: held!.case_id, code: 'CLAIMED_BY_OTHER' },
          { case_id: changed!.case_id, code: 'STALE_CASE' },
        ].sort((a, b) => a.case_id - b.case_id),
      );
      expect(body.done.length).toBe(SITE_RECORDS - 2);
      await waitUntil(
        async () => (await alice.call<{ pending: number }>('GET', `/api/bulk-decisions/${body.batch_id}`)).body,
        (b) => b.pending === 0,
        30_000,
        'the batch applied',
      );
      const audited = await query<{ n: string }>(
        `select count(distinct details->>'case_id') as n from audit_log where action = 'STEWARD_DECIDED' and details->>'decision_id' = any($1::text[]) and citizen_id is not null`,
        [(await query<{ decision_id: string }>('select decision_id from bulk_batch_decisions where batch_id = $1', [body.batch_id])).map((r) => r.decision_id)],
      );
      expect(Number(audited[0]!.n)).toBe(SITE_RECORDS - 2);
      expect((await bob.call('POST', `/api/cases/${held!.case_id}/release`)).status).toBe(200);
    });

    it('undoes the whole batch with one undo, only by its steward or a supervisor, and only once', async () => {
      const [batch] = (await alice.call<{ batches: { batch_id: number; may_undo: boolean }[] }>('GET', '/api/bulk-decisions')).body.batches;
      expect(batch!.may_undo).toBe(true);
      expect((await bob.call('POST', `/api/bulk-decisions/${batch!.batch_id}/undo`, { comment: 'not mine' })).status).toBe(403);
      const undo = await alice.call<{ done: unknown[] }>('POST', `/api/bulk-decisions/${batch!.batch_id}/undo`, { comment: 'the site sent the IDs again' });
      expect([undo.status, undo.body.done.length]).toEqual([202, SITE_RECORDS - 2]);
      expect((await alice.call('POST', `/api/bulk-decisions/${batch!.batch_id}/undo`, { comment: 'again' })).status).toBe(409);
      await waitUntil(
        () => siteCases(),
        (lines) => lines.length === SITE_RECORDS && lines.every((l) => l.status === 'OPEN'),
        30_000,
        'the cases open again',
      );
      const standing = await query<{ decision_id: string }>(
        `select m.decision_id from bulk_batch_decisions m join steward_decisions d on d.decision_id = m.decision_id where m.batch_id = $1 and d.undone_by is null`,
        [batch!.batch_id],
      );
      expect(standing).toEqual([]);
    });
  });

  describe('in a browser', () => {
    let alicePage: Page;

    beforeAll(async () => {
      alicePage = await signIn('alice');
    }, 60_000);

    it('finds a citizen by a name without diacritics and a birth date, and opens their history with their linked records', async () => {
      const person = site.clean;
      const [year, month, day] = person.date_of_birth.split('-');
      await alicePage.goto(`${s.baseUrl}/#/search`);
      await alicePage.locator('#search-query').fill(foldToAscii(person.full_name));
      await alicePage.locator('#search-birth').fill(`${day}/${month}/${year}`);
      await alicePage.keyboard.press('Enter');
      await alicePage.locator(`#search-results tr[data-citizen="${person.citizen_id}"]`).waitFor();
      expect(await alicePage.locator('#search-results tbody tr').count()).toBe(1);
      if (SCREENSHOTS) await alicePage.screenshot({ path: join(SCREENSHOTS, 'steward-search.png') });
      await alicePage.locator(`#search-results tr[data-citizen="${person.citizen_id}"] a`).click();
      await alicePage.locator('#citizen-title').waitFor();
      expect(await alicePage.locator('table.history').nth(2).textContent()).toContain('CLEAN-1');
    });

    it('shows the citizen history in words, not codes: methods, fact kinds, rules, audit actions, dates', async () => {
      const id = site.clean.citizen_id;
      await alicePage.goto(`${s.baseUrl}/#/citizen/${id}`);
      await alicePage.locator('#citizen-title').waitFor();
      const text = (await alicePage.locator('main').textContent()) ?? '';
      for (const code of ['PROBABILISTIC', 'DETERMINISTIC', 'VACCINATION', 'CITIZEN_VIEWED', 'only-claim', 'MALE']) expect(text).not.toContain(code);
      expect(text).toContain('Vaccination');
      if (SCREENSHOTS) await alicePage.screenshot({ path: join(SCREENSHOTS, 'steward-citizen.png'), fullPage: true });
    });

    it("shows another steward's claim in the queue without reloading", async () => {
      await showQueue(alicePage, { facility: SITE });
      const [line] = await siteCases();
      expect(await alicePage.locator(`tr[data-case="${line!.case_id}"] td.claim`).textContent()).toBe('');
      expect((await bob.call('POST', `/api/cases/${line!.case_id}/claim`)).status).toBe(200);
      await alicePage.locator(`tr[data-case="${line!.case_id}"] td.claim`, { hasText: 'bob' }).waitFor({ timeout: 10_000 });
      expect((await bob.call('POST', `/api/cases/${line!.case_id}/release`)).status).toBe(200);
    });

    it('warns on an open case page that another steward claimed the case, and refuses a decision taken from it', async () => {
      const caseId = await recordCase('HARD-NAMESAKE-17-2');
      await alicePage.goto(`${s.baseUrl}/#/case/${caseId}`);
      await alicePage.locator('#compare').waitFor();
      expect((await bob.call('POST', `/api/cases/${caseId}/claim`)).status).toBe(200);
      await alicePage.locator('#stale-banner', { hasText: 'bob' }).waitFor({ timeout: 10_000 });
      expect((await bob.call('POST', `/api/cases/${caseId}/release`)).status).toBe(200);
      if (SCREENSHOTS) await alicePage.screenshot({ path: join(SCREENSHOTS, 'steward-stale-case.png') });
      await alicePage.locator('#comment').fill('no ID and no address');
      await alicePage.keyboard.press('Escape');
      await alicePage.keyboard.press('r');
      await alicePage.locator('#decision-status', { hasText: 'The case has changed since this page showed it' }).waitFor();
      expect(await decisionsOf(caseId)).toEqual([]);
      await alicePage.locator('#reload-case').click();
      await alicePage.locator('#compare').waitFor();
      expect(await alicePage.locator('#stale-banner').count()).toBe(0);
    });

    it("lets a supervisor assign the cases ticked in the queue to a steward, who finds them under 'My cases'", async () => {
      const samPage = await signIn('sam');
      await showQueue(samPage, { reason: 'AMBIGUOUS' });
      const ids = (await samPage.locator('#queue tbody tr').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-case'))))).slice(0, 2);
      for (const id of ids) await samPage.locator(`tr[data-case="${id}"] input.choose`).check();
      await samPage.locator('#assign-to option[value="user:bob"]').waitFor({ state: 'attached' });
      await samPage.locator('#assign-to').selectOption('user:bob');
      await samPage.locator('#assign').click();
      await samPage.locator(`tr[data-case="${ids[0]}"] td.assigned`, { hasText: 'bob' }).waitFor();
      const bobPage = await signIn('bob');
      await showQueue(bobPage, { list: 'mine' });
      expect(await bobPage.locator('#queue tbody tr').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-case'))))).toEqual(ids);
      if (SCREENSHOTS) await bobPage.screenshot({ path: join(SCREENSHOTS, 'steward-my-cases.png') });
      await samPage.goto(`${s.baseUrl}/#/assignment`);
      await samPage.locator('#rules').waitFor();
      if (SCREENSHOTS) await samPage.screenshot({ path: join(SCREENSHOTS, 'steward-assignment.png'), fullPage: true });
      await samPage.context().close();
      await bobPage.context().close();
    });

    it("rejects a site's records in one batch with one comment, and undoes the batch with one undo", async () => {
      await showQueue(alicePage, { facility: SITE });
      expect(await alicePage.locator('#queue tbody tr').count()).toBe(SITE_RECORDS);
      await alicePage.locator('#choose-all').check();
      await alicePage.locator('#bulk-count', { hasText: `${SITE_RECORDS} / ${SITE_RECORDS}` }).waitFor();
      await alicePage.locator('#bulk-action').selectOption('REJECT');
      await alicePage.locator('#bulk-comment').fill("the nurse's ID typed in every patient's ID column: the site must resend");
      await alicePage.locator('#bulk-apply').click();
      await alicePage.locator('#bulk-result .batch', { hasText: `Applied: ${SITE_RECORDS}` }).waitFor({ timeout: 30_000 });
      expect(await alicePage.locator('#empty').count()).toBe(1);
      expect(await siteCases()).toEqual([]);
      if (SCREENSHOTS) await alicePage.screenshot({ path: join(SCREENSHOTS, 'steward-bulk.png') });
      await alicePage.locator('#bulk-result .undo-comment').fill('the site resent the IDs in the right column');
      await alicePage.locator('#bulk-result button.undo').click();
      await alicePage
        .locator('#queue tbody tr')
        .nth(SITE_RECORDS - 1)
        .waitFor({ timeout: 30_000 });
      await alicePage.locator('#bulk-result .batch', { hasText: 'undone' }).waitFor();
      expect((await siteCases()).map((l) => l.status)).toEqual(Array(SITE_RECORDS).fill('OPEN'));
    });

    it('changes a password from the form: a guessable one is refused in words, a good one signs in', async () => {
      const patPage = await signIn('pat', 'vi');
      await patPage.goto(`${s.baseUrl}/#/account`);
      const fill = async (current: string, next: string, repeat = next) => {
        await patPage.locator('#current-password').fill(current);
        await patPage.locator('#new-password').fill(next);
        await patPage.locator('#repeat-password').fill(repeat);
        await patPage.locator('#change-password').click();
      };
      await fill(PASSWORD, 'a new one of pat', 'another one');
      await patPage.locator('#password-status', { hasText: 'Hai mật khẩu mới không giống nhau' }).waitFor();
      await fill(PASSWORD, 'password1234');
      await patPage.locator('#password-status', { hasText: 'Mật khẩu quá dễ đoán' }).waitFor();
      if (SCREENSHOTS) await patPage.screenshot({ path: join(SCREENSHOTS, 'steward-password.png') });
      await fill(PASSWORD, 'violet kettle under the mango tree');
      await patPage.locator('#password-status', { hasText: 'Đã đổi mật khẩu' }).waitFor();
      await expect(StewardClient.signIn(s, 'pat')).rejects.toThrow('401');
      expect((await StewardClient.signIn(s, 'pat', 'violet kettle under the mango tree')).token).toBeTruthy();
      await patPage.context().close();
    });

    it('shows the new pages only in words of the catalogue, in Vietnamese and in English', async () => {
      const samPage = await signIn('sam');
      const person = site.clean;
      const citizenPath = `/api/citizens/${person.citizen_id}`;
      for (const lang of ['vi', 'en'] as const) {
        for (const [page, hash, paths] of [
          [alicePage, '#/', ['/api/cases?limit=200']],
          [samPage, '#/', ['/api/cases?limit=200', '/api/teams']],
          [alicePage, `#/citizen/${person.citizen_id}`, [citizenPath]],
          [alicePage, '#/batches', ['/api/bulk-decisions']],
          [samPage, '#/assignment', ['/api/teams']],
          [alicePage, '#/account', []],
        ] as const) {
          await page.evaluate((l) => localStorage.setItem('dancu.lang', l), lang);
          await page.goto(`${s.baseUrl}/${hash}`);
          await page.reload();
          await page.locator('main > *').first().waitFor();
          await page.waitForLoadState('networkidle');
          expect({ lang, hash, untranslated: await untranslatedTexts(page, lang, hash, { paths: [...paths] }) }).toEqual({ lang, hash, untranslated: [] });
        }
        // The search page after a search: its results are data of the citizen found.
        await alicePage.goto(`${s.baseUrl}/#/search`);
        await alicePage.reload();
        await alicePage.locator('#search-query').fill(person.personal_id);
        await alicePage.keyboard.press('Enter');
        await alicePage.locator('#search-results tbody tr').first().waitFor();
        const data = [person.full_name, person.personal_id, person.citizen_id];
        expect({ lang, untranslated: await untranslatedTexts(alicePage, lang, '#/search', { data }) }).toEqual({ lang, untranslated: [] });
      }
      await samPage.context().close();
    });
  });
});
