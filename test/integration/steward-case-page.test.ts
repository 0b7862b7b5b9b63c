import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import type { VaccinationEvent } from '../../services/shared/schemas/records.js';
import type { SyntheticCitizen } from '../../services/shared/synth/population.js';
import { launchChromium, SCREENSHOTS, signInAs } from '../helpers/browser.js';
import { testLogger } from '../helpers/real-stack.js';
import { openCases, startStewardRun, type StewardRun } from '../helpers/steward-run.js';
import { waitUntil } from '../helpers/wait.js';
import { TWIN_BROTHERS, TWIN_SISTERS, twinVaccination } from '../fixtures/twins.js';

/** Two registered namesakes: the same name, sex and date of birth, one without an address in the register. */
const NAMESAKES: SyntheticCitizen[] = [
  { citizen_id: '001190011111', personal_id: '001190011111', full_name: 'Lê Thị Hồng Nhung', date_of_birth: '1990-04-07', sex: 'FEMALE', address: '' },
  {
    citizen_id: '001190022222',
    personal_id: '001190022222',
    full_name: 'Lê Thị Hồng Nhung',
    date_of_birth: '1990-04-07',
    sex: 'FEMALE',
    address: 'Số 7 Hàng Bạc, Hà Nội',
  },
];
const [WITHOUT_ADDRESS, WITH_ADDRESS] = NAMESAKES.map((c) => c.citizen_id) as [string, string];

/** A vaccination of the unregistered twin sister: her registered sister is the only candidate, kept apart by the twins' rule. */
const TWIN_RECORD_ID = 'TC-TWIN';

/** The reported record: a vaccination without ID, the namesakes' name and birth date, and 480 characters of address. */
const RECORD_ID = 'TC-480';
const vaccination = (now: number): VaccinationEvent => ({
  source_system: 'tiemchung-phuong-dong-ha',
  source_record_id: RECORD_ID,
  change_type: 'CREATE',
  event_type: 'VACCINATION',
  event_time: now - 3_600_000,
  person: {
    personal_id: null,
    full_name: 'Lê Thị Hồng Nhung',
    date_of_birth: '07/04/1990',
    sex: 'Nữ',
    address: 'Thôn Đông, xã An Bình, huyện Thuận Thành, '.repeat(12).slice(0, 480),
  },
  vaccination: {
    vaccine_code: 'MR',
    vaccine_name: 'Sởi - Rubella',
    dose_number: 2,
    date_administered: new Date(now).toISOString().slice(0, 10),
    facility: 'Trạm y tế phường Đông Hà',
    lot_number: 'MR-2611',
  },
});

describe("steward case page: the score at both moments, character differences, the record's origin and the case's history", () => {
  let s: StewardRun;
  let browser: Browser;
  /** alice reads English, bob Vietnamese (the default). */
  let alice: Page;
  let bob: Page;
  let caseId: number;
  const query = async <T extends object>(sql: string, params: unknown[] = []) => (await s.run.pool.query<T>(sql, params)).rows;

  const openCase = async (page: Page, id: number) => {
    const url = `${s.baseUrl}/#/case/${id}`;
    if (page.url() === url) await page.reload();
    else await page.goto(url);
    await page.locator('#compare').waitFor();
  };

  beforeAll(async () => {
    s = await startStewardRun('steward-case', testLogger, {}, [...NAMESAKES, TWIN_SISTERS[0], ...TWIN_BROTHERS]);
    const { run } = s;
    await publishEvents({
      producer: run.producer,
      registry: run.registry,
      topic: run.topics.vaccination,
      record: 'vaccinationEvent',
      events: [vaccination(Date.now()), twinVaccination(TWIN_RECORD_ID)],
    });
    await waitUntil(
      async () => Number((await query<{ n: string }>('select count(*) as n from observation_outcomes'))[0]!.n),
      (n) => n === s.hard.vaccinations.length + 2,
      60_000,
      'the 480-character record and the twin decided',
    );
    // No case if the record was linked: the first test says so.
    caseId = (await openCases(run)).find((c) => c.record === RECORD_ID)?.case_id ?? -1;
    browser = await launchChromium();
    alice = await signInAs(browser, s.baseUrl, 'alice', 'en');
    bob = await signInAs(browser, s.baseUrl, 'bob', 'vi');
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it("does not let a 480-character address link the record to a namesake nor become that namesake's address", async () => {
    expect(await query('select citizen_id from record_links where source_record_id = $1', [RECORD_ID])).toEqual([]);
    expect(await query<{ reason: string }>('select reason from review_cases where case_id = $1', [caseId])).toEqual([{ reason: 'AMBIGUOUS' }]);
    expect(await query<{ address: string | null }>('select address from citizens where citizen_id = $1', [WITHOUT_ADDRESS])).toEqual([{ address: null }]);
  });

  it('shows where the record comes from, so that a steward can call the source, and that its address was left out', async () => {
    await openCase(alice, caseId);
    const origin = async (row: string) => (await alice.locator(`#origin tr[data-origin="${row}"] td`).textContent())?.trim();
    expect(await origin('source')).toBe('Vaccination');
    expect(await origin('source-system')).toBe('tiemchung-phuong-dong-ha');
    expect(await origin('source-record-id')).toBe(RECORD_ID);
    expect(await origin('event')).toBe('Vaccination (new record)');
    expect(await origin('detail-facility')).toBe('Trạm y tế phường Đông Hà');
    expect(await origin('detail-vaccine_name')).toBe('Sởi - Rubella');
    expect(await origin('detail-lot_number')).toBe('MR-2611');
    expect(await origin('detail-dose_number')).toBe('2');
    expect(await alice.locator('#findings li[data-finding="ADDRESS_TOO_LONG"]').textContent()).toContain('longer than 200 characters');
    expect(await alice.locator('#compare tr[data-field="address"] td.record').textContent()).toBe('—');
  });

  it('marks a field of a candidate changed since the case was sent for review, with what it was then and what it is now', async () => {
    // A civil-status correction since: the namesake's day and month of birth were swapped in the register.
    await s.run.pool.query(`update citizens set date_of_birth = '1990-07-04' where citizen_id = $1`, [WITH_ADDRESS]);
    await openCase(alice, caseId);
    const cell = alice.locator(`#compare tr[data-field="date_of_birth"] td[data-citizen="${WITH_ADDRESS}"]`);
    expect(await cell.locator('.since').textContent()).toBe('⟲ changed since the case was sent for review. Then: The dates of birth are the same day.');
    expect(await cell.locator('.diff-summary').textContent()).toBe('day and month swapped');
    expect(await alice.locator(`#compare tr[data-field="date_of_birth"] td[data-citizen="${WITHOUT_ADDRESS}"] .since`).count()).toBe(0);

    await alice.locator(`#compare button.pick`, { hasText: WITH_ADDRESS }).click();
    const row = alice.locator('#moments tr[data-comparison="date_of_birth"]');
    expect(await row.getAttribute('class')).toBe('changed');
    expect(await row.locator('td').first().textContent()).toContain('The dates of birth are the same day.');
    expect(await row.locator('td.now').textContent()).toContain('The dates of birth are the same with day and month swapped.');
    const probability = alice.locator('#moments tr[data-comparison="probability"] td');
    expect(await probability.first().textContent()).not.toBe(await probability.last().textContent());
    expect(await alice.locator('#moments tr.changed').count()).toBe(1);
  });

  it('marks character by character how a second registration differs from the first: the diacritics of the name, one digit of the ID', async () => {
    const [, second] = s.hard.registeredTwice[1]!;
    const pair = (await openCases(s.run)).find((c) => c.reason === 'POSSIBLE_DUPLICATE' && c.candidates.includes(second))!;
    await openCase(alice, pair.case_id);
    const name = alice.locator('#compare tr[data-field="full_name"]');
    expect(await name.locator('mark.diff.diacritic').count()).toBeGreaterThan(0);
    expect(await name.locator('mark.diff.other').count()).toBe(0);
    expect(await name.locator('.diff-summary').textContent()).toBe('only the diacritics differ');
    const id = alice.locator('#compare tr[data-field="personal_id"]');
    expect(await id.locator('mark.diff').count()).toBe(1);
    expect(await id.locator('mark.diff').textContent()).toHaveLength(1);
    expect(await id.locator('.diff-summary').textContent()).toBe('1 digit(s) differ');
    if (SCREENSHOTS) await alice.screenshot({ path: join(SCREENSHOTS, 'review-case-differences.png'), fullPage: true });
  });

  it("names the twins' rule and gives its sentence on a twin's case, the settings' words in English and Vietnamese ones in Vietnamese", async () => {
    const twinCase = (await openCases(s.run)).find((c) => c.record === TWIN_RECORD_ID)!;
    const sentence = loadSettings().never_link.find((rule) => rule.name === 'twins')!.sentence;
    const rule = (page: Page) => page.locator(`#never-link li[data-rule="twins"][data-citizen="${TWIN_SISTERS[0].citizen_id}"]`);
    await openCase(alice, twinCase.case_id);
    expect(await alice.locator('h1').textContent()).toContain('A never-link rule holds');
    expect(await rule(alice).textContent()).toBe(`Never-link rule «twins» (${TWIN_SISTERS[0].citizen_id}): ${sentence}`);
    await openCase(bob, twinCase.case_id);
    expect(await bob.locator('#summary').textContent()).toContain('quy tắc cấm liên kết');
    expect(await rule(bob).textContent()).toContain('người sinh đôi có số định danh liên tiếp');
  });

  it("calls the registered twin brothers a match under the twins' rule, never one citizen registered twice, in the heading, the summary and the queue", async () => {
    const [first, second] = TWIN_BROTHERS.map((c) => c.citizen_id) as [string, string];
    const pair = (await openCases(s.run)).find((c) => c.reason === 'POSSIBLE_DUPLICATE' && c.candidates.includes(first) && c.candidates.includes(second))!;
    await openCase(alice, pair.case_id);
    expect(await alice.locator('h1').textContent()).toContain('Two citizens match, but a never-link rule holds: they may be two people');
    expect(await alice.locator('#summary').textContent()).toContain('but a never-link rule holds for the pair: they may be two people');
    expect(await alice.locator(`#never-link li[data-rule="twins"]`).count()).toBe(1);
    await openCase(bob, pair.case_id);
    expect(await bob.locator('h1').textContent()).toContain('quy tắc cấm liên kết áp dụng: có thể là hai người');
    expect(await bob.locator('#summary').textContent()).not.toContain('có thể là cùng một người');
    await alice.goto(`${s.baseUrl}/#/`);
    const line = alice.locator(`tr[data-case="${pair.case_id}"]`);
    await line.waitFor();
    expect(await line.textContent()).toContain('Two citizens match, but a never-link rule holds');
  });

  it("names the twins' rule on their duplicate case from the rule stored with it when the settings version is unknown", async () => {
    const [first, second] = TWIN_BROTHERS.map((c) => c.citizen_id) as [string, string];
    const pair = (await openCases(s.run)).find((c) => c.reason === 'POSSIBLE_DUPLICATE' && c.candidates.includes(first) && c.candidates.includes(second))!;
    const [{ settings_version: version }] = (await query<{ settings_version: string }>('select settings_version from review_cases where case_id = $1', [
      pair.case_id,
    ])) as [{ settings_version: string }];
    await query('update review_cases set settings_version = null where case_id = $1', [pair.case_id]);
    try {
      await openCase(alice, pair.case_id);
      expect(await alice.locator('#case-settings').textContent()).toContain('unknown');
      expect(await alice.locator(`#never-link li[data-rule="twins"]`).count()).toBe(1);
      expect(await alice.locator('h1').textContent()).toContain('they may be two people');
    } finally {
      await query('update review_cases set settings_version = $2 where case_id = $1', [pair.case_id, version]);
    }
  });

  it("refuses a merge of the twin brothers as evidence against it, naming the twins' rule in the preview", async () => {
    const [first, second] = TWIN_BROTHERS.map((c) => c.citizen_id) as [string, string];
    const pair = (await openCases(s.run)).find((c) => c.reason === 'POSSIBLE_DUPLICATE' && c.candidates.includes(first) && c.candidates.includes(second))!;
    await openCase(bob, pair.case_id);
    await bob.locator('#merge-survivor').selectOption(first);
    await bob.locator('#merge-merged').selectOption(second);
    await bob.locator('#merge-preview-button').click();
    const evidence = bob.locator('#merge-evidence[data-rule="twins"]');
    await evidence.waitFor();
    expect(await evidence.textContent()).toContain('Quy tắc cấm liên kết «twins»: Hai số định danh là hai số liên tiếp');
    await bob.locator('#comment').fill('cùng một người');
    await bob.locator('#merge-propose').click();
    await bob.locator('#decision-status', { hasText: 'Bằng chứng phản đối hợp nhất' }).waitFor();
    expect(await query('select 1 from merge_proposals where case_id = $1', [pair.case_id])).toEqual([]);
  });

  it("shows the merge preview's dates as dd/mm/yyyy and sexes in words, in Vietnamese", async () => {
    const [first, second] = s.hard.registeredTwice[1]!;
    const pair = (await openCases(s.run)).find((c) => c.reason === 'POSSIBLE_DUPLICATE' && c.candidates.includes(second))!;
    await openCase(bob, pair.case_id);
    await bob.locator('#merge-survivor').selectOption(first);
    await bob.locator('#merge-merged').selectOption(second);
    await bob.locator('#merge-preview-button').click();
    const kept = async (field: string) => bob.locator(`#merge-preview tr[data-field="${field}"] td.kept`).textContent();
    const { date_of_birth, sex } = s.hard.register.find((c) => c.citizen_id === second)!;
    expect(await kept('date_of_birth')).toBe(date_of_birth.split('-').reverse().join('/'));
    expect(await kept('sex')).toBe(sex === 'MALE' ? 'Nam' : 'Nữ');
  });

  it('shows who viewed, claimed, released, decided and undid the case, and when, in Vietnamese first', async () => {
    await openCase(alice, caseId);
    // Each click renders the case again: the next step waits for the page it leads to.
    await alice.locator('#claim').click();
    await alice.locator('#release').click();
    await alice.locator('#claim').click();
    await alice.locator('#release').waitFor();
    await alice.locator('#comment').fill('the clinic must send an ID');
    await alice.locator('#decide-reject').click();
    // Exactly "Applied": "Waiting to be applied…" holds the word too.
    await alice.locator('#decision-status', { hasText: /^Applied$/ }).waitFor({ timeout: 30_000 });
    await alice.locator('#comment').fill('rejected by mistake');
    await alice.locator('#decisions li button.undo').click();
    await alice.locator('#case-meta', { hasText: 'Open' }).waitFor({ timeout: 30_000 });

    await openCase(bob, caseId);
    const lines = await bob
      .locator('#case-history tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent)));
    const decided = lines.findIndex(([, what]) => what === 'Quyết định: Từ chối');
    expect(lines[0]).toEqual(['hệ thống dancu', 'Chuyển sang xem xét']);
    expect(lines).toEqual(
      expect.arrayContaining([
        ['alice', 'Nhận hồ sơ'],
        ['alice', 'Trả lại hồ sơ'],
        ['alice', 'Quyết định: Từ chối'],
        ['alice', 'Sổ đã áp dụng quyết định: Từ chối'],
        ['alice', 'Hoàn tác một quyết định'],
        ['alice', 'Sổ đã áp dụng quyết định: Hoàn tác'],
        ['bob', 'Xem hồ sơ'],
      ]),
    );
    expect(lines.slice(decided).map(([, what]) => what)).toContain('Hoàn tác một quyết định');
    expect(lines[lines.length - 1]).toEqual(['bob', 'Xem hồ sơ']);
    expect(await bob.locator('#case-history thead th').allTextContents()).toEqual(['Thời điểm', 'Người', 'Việc']);
    if (SCREENSHOTS) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      // The namesake whose date of birth changed since, selected: both moments side by side.
      await bob.locator('#compare button.pick', { hasText: WITH_ADDRESS }).click();
      await bob.screenshot({ path: join(SCREENSHOTS, 'review-case-origin-history.png'), fullPage: true });
    }
  });

  it('offers only Reject on a case whose record its source deleted while a steward held it, and says why, in English and Vietnamese', async () => {
    const created = { ...vaccination(Date.now()), source_record_id: 'TC-DELETED' };
    const publish = (events: VaccinationEvent[]) =>
      publishEvents({ producer: s.run.producer, registry: s.run.registry, topic: s.run.topics.vaccination, record: 'vaccinationEvent', events });
    await publish([created]);
    const held = await waitUntil(
      async () => (await openCases(s.run)).find((c) => c.record === created.source_record_id)?.case_id,
      (id) => id !== undefined,
      60_000,
      "the namesakes' record in review",
    );
    await openCase(alice, held!);
    await alice.locator('#claim').click();
    await alice.locator('#release').waitFor();
    await publish([{ ...created, change_type: 'DELETE', event_time: created.event_time + 1_000 }]);
    await waitUntil(
      async () => (await query('select 1 from record_deletions where source_record_id = $1', [created.source_record_id])).length,
      (n) => n > 0,
      60_000,
      'the deletion received',
    );
    await openCase(alice, held!);
    expect(await alice.locator('section.decide .buttons button').evaluateAll((buttons) => buttons.map((b) => b.id))).toEqual(['decide-reject']);
    expect(await alice.locator('#actions-limited').textContent()).toMatch(/^The record was deleted at its source after the case was opened/);
    await openCase(bob, held!);
    expect(await bob.locator('#actions-limited').textContent()).toMatch(/^Bản ghi đã bị xóa tại nguồn sau khi hồ sơ được mở/);
  });
});
