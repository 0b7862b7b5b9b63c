import { describe, expect, it } from 'vitest';
import { normalisedFieldFeatures } from '../../services/shared/linkage/match-record.js';
import { storedAddressFeatures } from '../../services/shared/linkage/stored-address-features.js';
import { relinkKey, type SettingsRelink } from '../../services/shared/store/plan/loaded-state.js';
import { planDecisions } from '../../services/shared/store/plan/plan-decisions.js';
import { classify, recordLock } from '../../services/shared/store/plan/classify.js';
import { newCitizenId } from '../../services/shared/store/plan/new-citizen.js';
import { recordKey } from '../../services/shared/store/plan/planned-rows.js';
import { recordLockKeys } from '../../services/shared/store/plan/record-keys.js';
import type { LinkDecision } from '../../services/shared/schemas/records.js';
import { CONTEXT, decision, loadedState, observation, registerCitizen, strangerPerson } from '../fixtures/link-decisions.js';

const sizes = (rows: Record<string, { size: number }>) =>
  Object.fromEntries(Object.entries(rows).flatMap(([table, set]) => (set.size > 0 ? [[table, set.size]] : [])));

describe('planning a chunk of decisions (no database)', () => {
  it('registers a born citizen with the values the chunk leaves them with, at version 1, every row naming its decision', () => {
    const birth = decision('NEW', observation());
    const { results, rows } = planDecisions([birth], loadedState([birth]), CONTEXT);
    expect(results).toEqual(['CITIZEN_CREATED']);
    const [created] = rows.citizensCreated.values();
    expect(created).toMatchObject({
      citizen_id: '079300000001',
      full_name: 'Trần Thị Mai',
      date_of_birth: '2026-01-15',
      status: 'ALIVE',
      origin: 'source:civil-status',
    });
    expect(rows.citizens.size).toBe(0);
    expect(rows.links.values()).toEqual([
      expect.objectContaining({ citizen_id: '079300000001', decision_id: birth.decision_id, settings_version: 'sv-test-1', reason: 'NO_CANDIDATE' }),
    ]);
    expect(rows.outcomes.values()).toEqual([expect.objectContaining({ outcome: 'CREATED', citizen_id: '079300000001' })]);
    expect(rows.audit.values().map((a) => a.action)).toEqual(['CITIZEN_CREATED']);
    expect(rows.outbox.values().map((o) => (o.payload as { update_type: string }).update_type)).toEqual(['CITIZEN_CREATED']);
    expect(rows.provenance.values().map((p) => p.field)).toEqual(expect.arrayContaining(['full_name', 'date_of_birth', 'sex']));
    expect(rows.blockingKeys.values().filter((k) => k.rule !== null).length).toBeGreaterThan(0);
    for (const table of Object.values(rows)) for (const { cause } of table.entries()) expect(cause.decision_id).toBe(birth.decision_id);
  });

  it("stores a born citizen's address features with the row, as the linker reads them back", () => {
    const birth = decision('NEW', observation());
    const [created] = planDecisions([birth], loadedState([birth]), CONTEXT).rows.citizensCreated.values();
    expect(storedAddressFeatures(created!.address_features)).toEqual(normalisedFieldFeatures.address(created!.address));
  });

  it('stores no address features for a born citizen without an address', () => {
    const birth = decision('NEW', observation({ person: { address: null } }));
    const [created] = planDecisions([birth], loadedState([birth]), CONTEXT).rows.citizensCreated.values();
    expect(created!.address_features).toBeNull();
  });

  it("stores the features of a changed citizen's new address with the row", () => {
    const citizen = registerCitizen({ address: null });
    const enrolment = decision(
      'LINK',
      observation({ source: 'social-welfare', event_type: 'BENEFIT_ENROLMENT', person: { personal_id: '079200000777', address: 'Số 9 Trần Phú, Huế' } }),
      { citizen_id: 'C-0001' },
    );
    const [changed] = planDecisions([enrolment], loadedState([enrolment], { citizens: [citizen] }), CONTEXT).rows.citizens.values();
    expect(changed!.address).toBe('Số 9 Trần Phú, Huế');
    expect(storedAddressFeatures(changed!.address_features)).toEqual(normalisedFieldFeatures.address('Số 9 Trần Phú, Huế'));
  });

  it('keeps the evidence, settings version and reason of a link', () => {
    const citizen = registerCitizen();
    const link = decision('LINK', observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } }), { citizen_id: 'C-0001' });
    const { results, rows } = planDecisions([link], loadedState([link], { citizens: [citizen] }), CONTEXT);
    expect(results[0]).not.toBe('duplicate');
    expect(rows.links.values()[0]).toMatchObject({ citizen_id: 'C-0001', settings_version: 'sv-test-1', reason: 'ABOVE_THRESHOLD', evidence: link.evidence });
    expect(rows.facts.values()).toEqual([expect.objectContaining({ citizen_id: 'C-0001', kind: 'VACCINATION', withdrawn: false })]);
  });

  it('writes nothing for a decision applied before, or twice in the chunk', () => {
    const birth = decision('NEW', observation());
    const { results, rows } = planDecisions([birth, birth], loadedState([birth]), CONTEXT);
    expect(results).toEqual(['CITIZEN_CREATED', 'duplicate']);
    const again = planDecisions([birth], loadedState([birth], { fresh: new Set() }), CONTEXT);
    expect(again.results).toEqual(['duplicate']);
    expect(sizes(again.rows)).toEqual({});
    expect(rows.citizensCreated.size).toBe(1);
  });

  it('links a second birth record with the same personal ID to the citizen the first registers', () => {
    const first = decision('NEW', observation());
    const second = decision('NEW', observation({ source: 'social-welfare', event_type: 'BENEFIT_ENROLMENT' }));
    const { results, rows } = planDecisions([first, second], loadedState([first, second]), CONTEXT);
    expect(results[0]).toBe('CITIZEN_CREATED');
    expect(results[1]).not.toBe('CITIZEN_CREATED');
    expect(rows.citizensCreated.size).toBe(1);
    expect(rows.links.values().map((l) => l.citizen_id)).toEqual(['079300000001', '079300000001']);
  });

  it('links a birth record to the holder of its ID when the holder was registered after the linker looked', () => {
    const birth = decision('NEW', observation());
    const holder = {
      ...registerCitizen({ citizen_id: '079300000001', personal_id: '079300000001', full_name: 'Trần Thị Mai' }),
      registeredAt: birth.decided_at + 1_000,
    };
    const { results, rows } = planDecisions([birth], loadedState([birth], { citizens: [holder] }), CONTEXT);
    expect(results[0]).not.toBe('review');
    expect(rows.links.values().map((l) => l.citizen_id)).toEqual(['079300000001']);
  });

  it("opens a review case naming the holder when the linker decided NEW without candidates and the ID's holder was registered before (a steward's cannot-link took them out)", () => {
    const birth = decision('NEW', observation(), { reason: 'NO_CANDIDATE', candidates: [] });
    const holder = {
      ...registerCitizen({ citizen_id: '079300000001', personal_id: '079300000001', full_name: 'Trần Thị Mai' }),
      registeredAt: birth.decided_at - 86_400_000,
    };
    const { results, rows } = planDecisions([birth], loadedState([birth], { citizens: [holder] }), CONTEXT);
    expect(results).toEqual(['review']);
    expect(rows.links.size).toBe(0);
    expect(rows.reviewCases.values()).toEqual([
      expect.objectContaining({
        reason: 'PID_CONTRADICTED',
        candidates: [{ citizen_id: '079300000001', score: 0 }],
        explanation: expect.objectContaining({ summary: expect.stringMatching(/registered before the decision but not among its candidates/) }),
      }),
    ]);
  });

  it("marks the recheck on the case, not on a waiting row, when it sends back a NEW it held in review for its ID's holder", () => {
    const held = decision('NEW', observation(), { reason: 'NO_CANDIDATE', candidates: [] });
    const holder = {
      ...registerCitizen({ citizen_id: '079300000001', personal_id: '079300000001', full_name: 'Trần Thị Mai' }),
      registeredAt: held.decided_at - 86_400_000,
    };
    // A namesake born the same day, registered by the chunk: in reach of the held record, and not among its candidates.
    const namesake = decision('NEW', observation({ person: { personal_id: '079300000999' } }), { method: 'STEWARD' });
    const { results, rows } = planDecisions([held, namesake], loadedState([held, namesake], { citizens: [holder] }), CONTEXT);
    expect(results).toEqual(['review', 'CITIZEN_CREATED']);
    expect([rows.reviewCases.values().map((c) => c.rechecks), rows.unlinkedSentBack.size]).toEqual([[1], 0]);
    expect(rows.outbox.values().map((m) => m.event_id)).toContain(`${held.observation.observation_id}:relink:1`);
  });

  it("opens a review case naming the holder, and links nothing, when the linker decided NEW with the ID's holder among its candidates", () => {
    const holder = registerCitizen({ citizen_id: '079300000001', personal_id: '079300000001' });
    const birth = decision('NEW', observation(), { reason: 'BELOW_REVIEW_THRESHOLD', candidates: [{ citizen_id: '079300000001', score: 0.001 }] });
    const { results, rows } = planDecisions([birth], loadedState([birth], { citizens: [holder] }), CONTEXT);
    expect(results).toEqual(['review']);
    expect(rows.links.size + rows.citizensCreated.size + rows.citizens.size + rows.provenance.size).toBe(0);
    expect(rows.reviewCases.values()).toEqual([
      expect.objectContaining({ reason: 'PID_CONTRADICTED', candidates: [{ citizen_id: '079300000001', score: 0.001 }] }),
    ]);
    expect(rows.audit.values().map((a) => [a.action, a.citizen_id])).toEqual([
      ['NEW_CITIZEN_ID_HELD', '079300000001'],
      ['REVIEW_CASE_OPENED', null],
    ]);
  });

  it('counts a candidate since merged into the holder of the ID as the holder seen', () => {
    const survivor = registerCitizen({ citizen_id: 'C-0002', personal_id: '079300000001' });
    const birth = decision('NEW', observation(), { candidates: [{ citizen_id: 'C-0001', score: 0.001 }] });
    const loaded = loadedState([birth], { citizens: [survivor], redirects: new Map([['C-0001', 'C-0002']]) });
    const { results, rows } = planDecisions([birth], loaded, CONTEXT);
    expect(results).toEqual(['review']);
    expect(rows.links.size).toBe(0);
  });

  it("does not link a steward's NEW to the citizen holding the record's ID: the case names the holder", () => {
    const holder = registerCitizen({ citizen_id: '079300000001', personal_id: '079300000001' });
    const o = observation({ attempt: 1 });
    const steward = decision('NEW', o, { method: 'STEWARD', reason: 'STEWARD_DECISION', candidates: [{ citizen_id: 'C-0009', score: 0.4 }] });
    const { results, rows } = planDecisions([steward], loadedState([steward], { citizens: [holder] }), CONTEXT);
    expect(results).toEqual(['review']);
    expect(rows.links.size).toBe(0);
    expect(rows.reviewCases.values()).toEqual([
      expect.objectContaining({
        reason: 'PID_CONTRADICTED',
        candidates: [
          { citizen_id: 'C-0009', score: 0.4 },
          { citizen_id: '079300000001', score: 0 },
        ],
      }),
    ]);
  });

  it('sends the second of two records of one new person without a personal ID back to the linker', () => {
    const person = { personal_id: null };
    const first = decision('NEW', observation({ person }));
    const second = decision('NEW', observation({ person, source: 'vaccination', event_type: 'VACCINATION' }));
    const { results, rows } = planDecisions([first, second], loadedState([first, second]), CONTEXT);
    expect(results).toEqual(['CITIZEN_CREATED', 'requeued']);
    expect(rows.audit.values().map((a) => a.action)).toEqual(['CITIZEN_CREATED', 'DECISION_REQUEUED']);
    const relink = rows.outbox.values().find((o) => o.record_type === 'personObservation');
    expect(relink).toMatchObject({ event_id: `${second.observation.observation_id}:relink:1`, topic: 'observations.test' });
    expect((relink?.payload as { attempt: number }).attempt).toBe(1);
  });

  it("registers a born citizen without the placeholder ID its record carries (000000000000 is no one's)", () => {
    const birth = decision('NEW', observation({ person: { personal_id: '000000000000' } }));
    const { rows } = planDecisions([birth], loadedState([birth]), CONTEXT);
    const [created] = rows.citizensCreated.values();
    expect([created?.citizen_id.startsWith('DC'), created?.personal_id]).toEqual([true, null]);
  });

  it('sends the second of two records carrying one placeholder ID back to the linker, as without an ID, never joining them on it', () => {
    const person = { personal_id: '000000000000' };
    const first = decision('NEW', observation({ person }));
    const second = decision('NEW', observation({ person, source: 'vaccination', event_type: 'VACCINATION' }));
    const { results } = planDecisions([first, second], loadedState([first, second]), CONTEXT);
    expect(results).toEqual(['CITIZEN_CREATED', 'requeued']);
  });

  it('sends a record it keeps unlinked straight back when the chunk registers a citizen sharing its keys', () => {
    const person = { personal_id: null };
    const kept = decision('UNLINKED', observation({ person, source: 'vaccination', event_type: 'VACCINATION' }));
    const birth = decision('NEW', observation({ person }), { method: 'STEWARD' });
    const { results, rows } = planDecisions([kept, birth], loadedState([kept, birth]), CONTEXT);
    expect(results).toEqual(['unlinked', 'CITIZEN_CREATED']);
    expect(rows.unlinked.values()).toEqual([expect.objectContaining({ observation_id: kept.observation.observation_id, attempt: 1 })]);
    expect(rows.unlinkedSentBack.size).toBe(0);
    expect(rows.outbox.values().map((o) => o.event_id)).toContain(`${kept.observation.observation_id}:relink:1`);
  });

  it('sends a record it keeps unlinked straight back when the chunk registers the holder of its ID mistyped once', () => {
    const kept = decision('UNLINKED', observation({ person: strangerPerson('079300000071'), source: 'vaccination', event_type: 'VACCINATION' }));
    const birth = decision('NEW', observation({ person: { personal_id: '079300000001' } }));
    const { rows } = planDecisions([kept, birth], loadedState([kept, birth]), CONTEXT);
    expect(rows.outbox.values().map((o) => o.event_id)).toContain(`${kept.observation.observation_id}:relink:1`);
  });

  it('sends a new record whose ID has its leading zero mistyped back to the linker when the chunk registers the holder of the ID', () => {
    const birth = decision('NEW', observation({ person: { personal_id: '079300000001' } }));
    const mistyped = decision('NEW', observation({ person: strangerPerson('179300000001'), source: 'vaccination', event_type: 'VACCINATION' }));
    const { results } = planDecisions([birth, mistyped], loadedState([birth, mistyped]), CONTEXT);
    expect(results).toEqual(['CITIZEN_CREATED', 'requeued']);
  });

  it('keeps that record waiting under settings without typo lookups', () => {
    const settings = { ...CONTEXT.settings, blocking_rules: CONTEXT.settings.blocking_rules.map(({ typo_lookup: _typos, ...rule }) => rule) };
    const kept = decision('UNLINKED', observation({ person: strangerPerson('079300000071'), source: 'vaccination', event_type: 'VACCINATION' }));
    const birth = decision('NEW', observation({ person: { personal_id: '079300000001' } }));
    const { rows } = planDecisions([kept, birth], loadedState([kept, birth]), { ...CONTEXT, settings });
    expect(rows.outbox.values().map((o) => o.event_id)).not.toContain(`${kept.observation.observation_id}:relink:1`);
  });

  it('sends a stored waiting record back when the citizen it may belong to is registered', () => {
    const birth = decision('NEW', observation());
    const waiting = observation({ source: 'vaccination', event_type: 'VACCINATION', attempt: 2 });
    const loaded = loadedState([birth], {
      waitingInReach: [
        { observation: waiting, attempt: 2, table: 'unlinked_records', citizen_id: newCitizenId(birth.observation) },
        { observation: observation(), attempt: 0, table: 'review_cases', citizen_id: 'someone-not-registered' },
      ],
    });
    const { rows } = planDecisions([birth], loaded, CONTEXT);
    expect(rows.unlinkedSentBack.values()).toEqual([{ observation_id: waiting.observation_id, attempt: 3 }]);
    expect(rows.reviewsSentBack.size).toBe(0);
    expect(rows.outbox.entries().find((e) => e.row.event_id === `${waiting.observation_id}:relink:3`)?.cause.rule).toBe('relink-for-new-citizen');
  });

  it('finds the facts dated after a death recorded late, stored and of the chunk', () => {
    const citizen = registerCitizen();
    const vaccination = decision(
      'LINK',
      observation({ source: 'vaccination', event_type: 'VACCINATION', event_date: '2025-06-01', person: { personal_id: null } }),
      {
        citizen_id: 'C-0001',
      },
    );
    const death = decision(
      'LINK',
      observation({ event_type: 'DEATH_REGISTRATION', date_of_death: { value: '2025-01-10', precision: 'DAY' }, person: { personal_id: '079200000777' } }),
      { citizen_id: 'C-0001' },
    );
    const stored = {
      citizen_id: 'C-0001',
      observation_id: 'obs-stored',
      source: 'social-welfare',
      source_system: 'welfare-test',
      source_record_id: 'w-1',
      kind: 'BENEFIT_PAYMENT',
      fact_date: '2025-03-01',
      event_time: 1,
    };
    const { results, rows } = planDecisions([vaccination, death], loadedState([vaccination, death], { citizens: [citizen], factsOfDying: [stored] }), CONTEXT);
    expect(results[1]).toBe('DEATH_RECORDED');
    expect(rows.citizens.values()[0]).toMatchObject({ status: 'DECEASED', date_of_death: '2025-01-10' });
    const late = rows.findings.values().filter((f) => f.code === 'FACT_AFTER_DEATH');
    expect(late.map((f) => [f.observation_id, f.stage])).toEqual(
      expect.arrayContaining([
        ['obs-stored', 'store'],
        [vaccination.observation.observation_id, 'store'],
      ]),
    );
  });

  it('takes a record deleted later in the chunk off its citizen: no link written, the link and facts deleted', () => {
    const citizen = registerCitizen();
    const o = observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });
    const link = decision('LINK', o, { citizen_id: 'C-0001' });
    const deleted = decision('LINK', { ...o, observation_id: `${o.observation_id}-d`, change_type: 'DELETE' }, { citizen_id: 'C-0001' });
    const { results, rows } = planDecisions([link, deleted], loadedState([link, deleted], { citizens: [citizen] }), CONTEXT);
    expect(results[1]).toBe('RECORD_UNLINKED');
    expect(rows.links.size).toBe(0);
    expect(rows.linkDeletes.size).toBe(1);
    expect(rows.facts.values().every((f) => f.withdrawn)).toBe(true);
  });

  it('replaces the fact of a record read again by a snapshot: the earlier fact is withdrawn, in the chunk and in the table', () => {
    const citizen = registerCitizen();
    const first = observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });
    const again = { ...first, observation_id: `${first.observation_id}-snapshot`, event_time: first.event_time + 60_000 };
    const decisions = [decision('LINK', first, { citizen_id: 'C-0001' }), decision('LINK', again, { citizen_id: 'C-0001' })];
    const { rows } = planDecisions(decisions, loadedState(decisions, { citizens: [citizen] }), CONTEXT);
    expect(rows.facts.values().map((fact) => [fact.observation_id, fact.withdrawn])).toEqual([
      [first.observation_id, true],
      [again.observation_id, false],
    ]);
    expect(rows.factWithdrawals.values()).toContainEqual(
      expect.objectContaining({ source_record_id: first.source_record_id, kind: 'VACCINATION', event_time: again.event_time }),
    );
  });

  it('sets aside the linker’s later look at a record whose review case a steward holds', () => {
    const o = observation({ attempt: 1 });
    const recheck = decision('NEW', o);
    const { results, rows } = planDecisions([recheck], loadedState([recheck], { cases: new Map([[o.observation_id, 'CLAIMED']]) }), CONTEXT);
    expect(results).toEqual(['duplicate']);
    expect(rows.audit.values()).toEqual([expect.objectContaining({ action: 'RECHECK_SET_ASIDE' })]);
    expect(rows.citizensCreated.size).toBe(0);
  });

  it('applies a decision naming a merged citizen to the survivor', () => {
    const survivor = registerCitizen({ citizen_id: 'C-0002', personal_id: null });
    const link = decision('LINK', observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } }), { citizen_id: 'C-0001' });
    const { rows } = planDecisions([link], loadedState([link], { citizens: [survivor], redirects: new Map([['C-0001', 'C-0002']]) }), CONTEXT);
    expect(rows.links.values()[0]?.citizen_id).toBe('C-0002');
  });

  it('refuses a decision naming a citizen not in the register', () => {
    const link = decision('LINK', observation(), { citizen_id: 'C-9999' });
    expect(() => planDecisions([link], loadedState([link]), CONTEXT)).toThrow(expect.objectContaining({ code: 'CITIZEN_NOT_FOUND', retriable: false }));
  });

  it('gives the same rows for the same inputs', () => {
    const decisions = [decision('NEW', observation()), decision('UNLINKED', observation({ person: { personal_id: null } }))];
    const plan = () => planDecisions(decisions, loadedState(decisions), CONTEXT).rows;
    const rowsOf = (rows: ReturnType<typeof plan>) => Object.fromEntries(Object.entries(rows).map(([table, set]) => [table, set.entries()]));
    expect(rowsOf(plan())).toEqual(rowsOf(plan()));
  });
});

describe('classifying a chunk for the load phase', () => {
  it('locks the keys of records that may register or wait for a citizen, and reads only what the fresh decisions name', () => {
    const birth = decision('NEW', observation());
    const link = decision('LINK', observation(), { citizen_id: 'C-0001' });
    const old = decision('LINK', observation(), { citizen_id: 'C-0003' });
    const needs = classify([birth, link, old], new Set([birth.decision_id, link.decision_id]), CONTEXT.settings);
    expect(needs.citizenIds).toEqual(['079300000001', 'C-0001']);
    expect(needs.lockKeys.length).toBeGreaterThan(0);
    expect(needs.newCitizens.map((n) => n.row.citizen_id)).toEqual(['079300000001']);
    expect(needs.retries).toEqual([]);
  });

  it('locks the keys of a record that may register a citizen exclusively, and those of a record that may only wait shared', () => {
    const birth = decision('NEW', observation());
    const waiting = decision('UNLINKED', observation({ source: 'vaccination', event_type: 'VACCINATION' }), { reason: 'NO_MATCH' });
    const needs = classify([birth, waiting], new Set([birth.decision_id, waiting.decision_id]), CONTEXT.settings);
    const modes = (exclusive: boolean) => needs.lockKeys.filter((l) => l.exclusive === exclusive).map((l) => l.key);
    expect([modes(true), modes(false)]).toEqual([recordLockKeys(CONTEXT.settings, birth.observation), recordLockKeys(CONTEXT.settings, waiting.observation)]);
  });

  it("does not lock a waiting record's placeholder ID, which no birth holds, and still locks its other keys", () => {
    const carrying = decision('UNLINKED', observation({ person: strangerPerson('000000000000'), source: 'vaccination', event_type: 'VACCINATION' }));
    const needs = classify([carrying], new Set([carrying.decision_id]), CONTEXT.settings);
    expect([needs.lockKeys.some((l) => l.key === 'personal_id:000000000000'), needs.lockKeys.length > 0]).toEqual([false, true]);
  });

  it("locks the source record of the linker's later look at a record, so two looks at one record apply one after the other", () => {
    const o = observation({ attempt: 2, source: 'vaccination', event_type: 'VACCINATION' });
    const look = decision('LINK', o, { citizen_id: 'C-0001' });
    const steward = decision('LINK', observation({ attempt: 1 }), { citizen_id: 'C-0001', method: 'STEWARD', reason: 'STEWARD_DECISION' });
    const needs = classify([look, steward], new Set([look.decision_id, steward.decision_id]), CONTEXT.settings);
    expect([needs.recordLocks, needs.lockKeys]).toEqual([[`record:vaccination/${o.source_system}/${o.source_record_id}`], []]);
  });

  it('locks the source record of an event that may close its cases (it follows the link, or is doubted), once, before those cases', () => {
    const o = observation({ source: 'vaccination', event_type: 'VACCINATION', change_type: 'UPDATE' });
    const follows = decision('LINK', o, { citizen_id: 'C-0001', reason: 'SOURCE_RECORD_LINKED' });
    const doubted = decision('REVIEW', { ...o, observation_id: `${o.observation_id}-2` }, { reason: 'LINKED_RECORD_CONTRADICTED' });
    const needs = classify([follows, doubted], new Set([follows.decision_id, doubted.decision_id]), CONTEXT.settings);
    expect(needs.caseRecords).toHaveLength(2);
    expect(needs.recordLocks).toEqual([recordLock(o)]);
    expect(needs.lockKeys.some((k) => k.key.startsWith('record:'))).toBe(false);
  });
});

describe('planning the decisions on linked records that new settings decided again (no database)', () => {
  const relinked = (o: ReturnType<typeof observation>, method = 'PROBABILISTIC') =>
    new Map([[relinkKey(o), { link: { citizenId: 'C-0001', method, score: 0.9999 }, thresholds: CONTEXT.settings.thresholds }]]);
  const vaccination = () => observation({ attempt: 2, source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });

  it('keeps the link and opens a case naming both citizens when the new settings would link the record elsewhere', () => {
    const o = vaccination();
    const moved = decision('LINK', o, { citizen_id: 'C-0002', candidates: [{ citizen_id: 'C-0002', score: 0.99999 }] });
    const loaded = loadedState([moved], { citizens: [registerCitizen({ citizen_id: 'C-0002', personal_id: null })], relinks: relinked(o) });
    const { results, rows } = planDecisions([moved], loaded, CONTEXT);
    expect(results).toEqual(['review']);
    expect(rows.links.size).toBe(0);
    const [opened] = rows.reviewCases.values();
    expect(opened).toMatchObject({ reason: 'SETTINGS_LINK_MOVED' });
    expect((opened!.candidates as { citizen_id: string }[]).map((c) => c.citizen_id)).toEqual(['C-0002', 'C-0001']);
    expect(rows.audit.values().map((a) => a.citizen_id)).toEqual(['C-0001', 'C-0002']);
  });

  it('never moves a link on new settings alone, however decisive the evidence: the record keeps its fact and claims and a steward decides, told it is decisive', () => {
    const o = vaccination();
    const moved = decision('LINK', o, {
      citizen_id: 'C-0002',
      reason: 'MATCH',
      score: 0.99999,
      candidates: [
        { citizen_id: 'C-0002', score: 0.99999 },
        { citizen_id: 'C-0001', score: 0.0001 },
      ],
    });
    const loaded = loadedState([moved], { citizens: [registerCitizen({ citizen_id: 'C-0002', personal_id: null })], relinks: relinked(o) });
    const { results, rows } = planDecisions([moved], loaded, CONTEXT);
    expect([results, rows.links.size, rows.factWithdrawals.size, rows.facts.size]).toEqual([['review'], 0, 0, 0]);
    expect(rows.reviewCases.values()).toEqual([expect.objectContaining({ reason: 'SETTINGS_LINK_MOVED' })]);
    expect(rows.audit.values().map((a) => (a.details as { decisive?: boolean }).decisive)).toEqual([true, true]);
  });

  it('judges the looks of two settings changes at one record in one chunk each by its own attempt: the superseded one set aside, the later applied', () => {
    const o = vaccination();
    const later = { ...o, attempt: 3 };
    const first = decision('LINK', o, { citizen_id: 'C-0002' });
    const second = decision('LINK', later, { citizen_id: 'C-0002', candidates: [{ citizen_id: 'C-0002', score: 0.99999 }] });
    const relinks = new Map<string, SettingsRelink>([[relinkKey(o), { ...relinked(o).get(relinkKey(o))!, superseded: true }], ...relinked(later)]);
    const loaded = loadedState([first, second], { citizens: [registerCitizen({ citizen_id: 'C-0002', personal_id: null })], relinks });
    const { results, rows } = planDecisions([first, second], loaded, CONTEXT);
    expect([results, rows.reviewCases.values().map((c) => c.decision_id)]).toEqual([['duplicate', 'review'], [second.decision_id]]);
  });

  it("does not apply again the linker's look at a record a steward must-linked, once the record was applied at an earlier attempt", () => {
    const o = vaccination();
    const look = decision('LINK', o, { citizen_id: 'C-0001', method: 'STEWARD', reason: 'STEWARD_MUST_LINK' });
    const loaded = loadedState([look], { citizens: [registerCitizen({ citizen_id: 'C-0001', personal_id: null })], applied: new Set([o.observation_id]) });
    const { results, rows } = planDecisions([look], loaded, CONTEXT);
    expect([results, rows.factWithdrawals.size, rows.facts.size]).toEqual([['duplicate'], 0, 0]);
  });

  it("leaves a steward's link as it is, and says so in the audit log", () => {
    const o = vaccination();
    const moved = decision('LINK', o, { citizen_id: 'C-0002' });
    const { results, rows } = planDecisions([moved], loadedState([moved], { relinks: relinked(o, 'STEWARD') }), CONTEXT);
    expect(results).toEqual(['duplicate']);
    expect(rows.links.size + rows.reviewCases.size).toBe(0);
    expect(rows.audit.values()[0]).toMatchObject({ action: 'SETTINGS_RELINK_SET_ASIDE' });
  });

  it('sets aside a decision a later settings change superseded, whichever comes first: no case, no link, and the log says why', () => {
    const o = vaccination();
    const moved = decision('LINK', o, { citizen_id: 'C-0002' });
    const relinks = new Map([[relinkKey(o), { ...relinked(o).get(relinkKey(o))!, superseded: true }]]);
    const { results, rows } = planDecisions([moved], loadedState([moved], { relinks }), CONTEXT);
    expect([results, rows.links.size, rows.reviewCases.size]).toEqual([['duplicate'], 0, 0]);
    expect(rows.audit.values().map((a) => a.action)).toEqual(['SETTINGS_RELINK_SUPERSEDED', 'SETTINGS_RELINK_SUPERSEDED']);
  });

  it('opens again a case about the record that the pipeline closed, when new settings doubt the link again', () => {
    const o = vaccination();
    const doubted = decision('REVIEW', o, { reason: 'BETWEEN_THRESHOLDS', candidates: [{ citizen_id: 'C-0001', score: 0.9 }] });
    const loaded = loadedState([doubted], { relinks: relinked(o), cases: new Map([[o.observation_id, 'CLOSED']]) });
    const { results, rows } = planDecisions([doubted], loaded, CONTEXT);
    expect(results).toEqual(['review']);
    expect(rows.reviewCases.values()).toEqual([expect.objectContaining({ reason: 'SETTINGS_LINK_DOUBTED' })]);
    expect(rows.audit.values()[0]).toMatchObject({ action: 'REVIEW_CASE_REOPENED' });
  });

  it('leaves a case a steward decided as it is when new settings doubt the link again, and says so in the audit log', () => {
    const o = vaccination();
    const doubted = decision('REVIEW', o, { reason: 'BETWEEN_THRESHOLDS', candidates: [{ citizen_id: 'C-0001', score: 0.9 }] });
    const loaded = loadedState([doubted], { relinks: relinked(o), cases: new Map([[o.observation_id, 'DECIDED']]) });
    const { results, rows } = planDecisions([doubted], loaded, CONTEXT);
    expect([results, rows.reviewCases.size]).toEqual([['duplicate'], 0]);
    expect(rows.audit.values()[0]).toMatchObject({
      action: 'SETTINGS_RELINK_SET_ASIDE',
      details: expect.objectContaining({ reason: 'the review case is decided' }),
    });
  });

  it('does not unlink a record the new settings would send to review: the link stays and a case opens', () => {
    const o = vaccination();
    const doubted = decision('REVIEW', o, { reason: 'BETWEEN_THRESHOLDS', candidates: [{ citizen_id: 'C-0001', score: 0.9 }] });
    const { rows } = planDecisions([doubted], loadedState([doubted], { relinks: relinked(o) }), CONTEXT);
    expect(rows.linkDeletes.size + rows.links.size).toBe(0);
    expect(rows.reviewCases.values()[0]).toMatchObject({ reason: 'SETTINGS_LINK_DOUBTED' });
  });
});

describe('planning a linked record a change sent back whose event waits in no case (no database)', () => {
  /**
   * The record's link holds no observation (made before migration 020) or an older event than
   * the one sent back (received late, it replaced the newer one in the link): still the link
   * decided again, as the promotion's or the re-examination's rules say.
   */
  const heldBy = { 'no observation': null, 'an older event': 'obs-older-received-late' } as const;
  const vaccination = () => observation({ attempt: 1, source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });
  const sentBack = (o: ReturnType<typeof observation>, linkHolds: string | null, byRegisterChange = false) =>
    new Map([
      [
        relinkKey(o),
        {
          link: { citizenId: 'C-0001', method: 'PROBABILISTIC', score: 0.9999, observationId: linkHolds },
          thresholds: CONTEXT.settings.thresholds,
          byRegisterChange,
          waiting: false,
        },
      ],
    ]);

  for (const [held, linkHolds] of Object.entries(heldBy)) {
    it(`keeps the link, audited as kept, when the new settings link the record to its citizen again and its link holds ${held}`, () => {
      const o = vaccination();
      const kept = decision('LINK', o, { citizen_id: 'C-0001' });
      const loaded = loadedState([kept], { citizens: [registerCitizen({ citizen_id: 'C-0001', personal_id: null })], relinks: sentBack(o, linkHolds) });
      const { results, rows } = planDecisions([kept], loaded, CONTEXT);
      expect([results, rows.links.values().map((l) => l.citizen_id), rows.facts.size, rows.outcomes.size]).toEqual([['duplicate'], ['C-0001'], 0, 0]);
      expect(rows.audit.values().map((a) => a.action)).toEqual(['SETTINGS_RELINK_KEPT']);
    });

    it(`opens a case doubting the link, naming what sent the record back, when its link holds ${held}`, () => {
      const o = vaccination();
      const doubted = decision('REVIEW', o, { reason: 'BETWEEN_THRESHOLDS', candidates: [{ citizen_id: 'C-0001', score: 0.9 }] });
      const reasons = [false, true].map((byRegisterChange) => {
        const { results, rows } = planDecisions([doubted], loadedState([doubted], { relinks: sentBack(o, linkHolds, byRegisterChange) }), CONTEXT);
        expect([results, rows.links.size + rows.linkDeletes.size]).toEqual([['review'], 0]);
        return rows.reviewCases.values().map((c) => c.reason);
      });
      expect(reasons).toEqual([['SETTINGS_LINK_DOUBTED'], ['REGISTER_LINK_DOUBTED']]);
    });
  }
});

describe("planning a linked record's later event that waits in its case (no database)", () => {
  const LATER = 'LINKED_RECORD_CONTRADICTED';
  /** A later event of a record linked to C-0001 by another observation, in an open case (waiting), that a change of the register sent back. */
  const waiting = () => observation({ attempt: 1, source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });
  const sentBack = (o: ReturnType<typeof observation>) =>
    new Map([
      [
        relinkKey(o),
        {
          link: { citizenId: 'C-0001', method: 'PROBABILISTIC', score: 0.9999 },
          thresholds: CONTEXT.settings.thresholds,
          byRegisterChange: true,
          waiting: true,
        },
      ],
    ]);
  const planned = (d: ReturnType<typeof decision>) =>
    planDecisions(
      [d],
      loadedState([d], {
        citizens: [registerCitizen({ citizen_id: 'C-0001', personal_id: null })],
        relinks: sentBack(d.observation),
        cases: new Map([[d.observation.observation_id, 'OPEN']]),
      }),
      CONTEXT,
    );

  it('applies the event as a later event of the record when it now follows the link, and closes its case as linked', () => {
    const o = waiting();
    const { results, rows } = planned(decision('LINK', o, { citizen_id: 'C-0001', reason: 'SOURCE_RECORD_LINKED' }));
    expect(results).toEqual(['FACT_RECORDED']);
    expect(rows.links.values().map((l) => [l.citizen_id, (l.observation as { observation_id: string }).observation_id])).toEqual([
      ['C-0001', o.observation_id],
    ]);
    expect([rows.facts.size, rows.outcomes.values().map((r) => r.outcome), rows.outbox.size]).toEqual([1, ['LINKED'], 1]);
    expect(rows.reviewsClosed.values()).toEqual([{ observation_id: o.observation_id, resolution: 'LINK' }]);
    expect(rows.reviewCases.size).toBe(0);
  });

  it('refreshes its case, keeping its reason, when the event is doubted again', () => {
    const o = waiting();
    const { results, rows } = planned(decision('REVIEW', o, { reason: LATER, candidates: [{ citizen_id: 'C-0001', score: 0.99 }] }));
    expect(results).toEqual(['review']);
    expect(rows.reviewCases.values().map((c) => c.reason)).toEqual([LATER]);
    expect(rows.links.size + rows.reviewsClosed.size).toBe(0);
  });

  it('leaves its case and the link as they stand when the record is decided otherwise, and says so in the audit log', () => {
    const o = waiting();
    const { results, rows } = planned(decision('REVIEW', o, { reason: 'NEVER_LINK_RULE', candidates: [{ citizen_id: 'C-0001', score: 0.99 }] }));
    expect(results).toEqual(['duplicate']);
    expect(rows.reviewCases.size + rows.links.size + rows.outcomes.size + rows.reviewsClosed.size).toBe(0);
    expect(rows.audit.values().map((a) => a.action)).toEqual(['RECHECK_SET_ASIDE']);
  });

  it.each([
    ['now follows the link', 'LINK'],
    ['is doubted again', 'REVIEW'],
  ] as const)('sets aside a decision on the event that a later send-back of it superseded, even one that %s: the later look settles it', (_, kind) => {
    const o = waiting();
    const d =
      kind === 'LINK'
        ? decision('LINK', o, { citizen_id: 'C-0001', reason: 'SOURCE_RECORD_LINKED' })
        : decision('REVIEW', o, { reason: LATER, candidates: [{ citizen_id: 'C-0001', score: 0.99 }] });
    const relinks = new Map([[relinkKey(o), { ...sentBack(o).get(relinkKey(o))!, superseded: true }]]);
    const loaded = loadedState([d], {
      citizens: [registerCitizen({ citizen_id: 'C-0001', personal_id: null })],
      relinks,
      cases: new Map([[o.observation_id, 'OPEN']]),
    });
    const { results, rows } = planDecisions([d], loaded, CONTEXT);
    expect([results, rows.links.size + rows.reviewCases.size + rows.reviewsClosed.size + rows.recordCasesClosed.size]).toEqual([['duplicate'], 0]);
    expect(rows.audit.values().map((a) => a.action)).toEqual(['SETTINGS_RELINK_SUPERSEDED']);
  });

  it("closes the record's waiting case of an earlier event when a later event follows the link, deletes the record, or is doubted in turn", () => {
    const o = observation({ source: 'vaccination', event_type: 'VACCINATION', change_type: 'UPDATE' });
    const closed = (d: ReturnType<typeof decision>) =>
      planDecisions([d], loadedState([d], { citizens: [registerCitizen({ citizen_id: 'C-0001' })] }), CONTEXT).rows.recordCasesClosed.values();
    const follows = closed(decision('LINK', o, { citizen_id: 'C-0001', reason: 'SOURCE_RECORD_LINKED' }));
    const deletes = closed(decision('LINK', { ...o, change_type: 'DELETE' }, { citizen_id: 'C-0001', reason: 'SOURCE_RECORD_LINKED' }));
    const doubted = closed(decision('REVIEW', o, { reason: LATER, candidates: [{ citizen_id: 'C-0001', score: 0.99 }] }));
    expect([...follows, ...deletes, ...doubted].map((c) => [c.source_record_id, c.resolution, c.event_time])).toEqual([
      [o.source_record_id, 'LINK', o.event_time],
      [o.source_record_id, 'DELETED', o.event_time],
      [o.source_record_id, 'SUPERSEDED', o.event_time],
    ]);
  });

  it('names, for the first locks of its chunk, every record whose open cases the plan closes, so no case row is locked after a citizen', () => {
    const event = (record: string) => observation({ source: 'vaccination', event_type: 'VACCINATION', change_type: 'UPDATE', source_record_id: record });
    const decisions = [
      decision('LINK', event('follows'), { citizen_id: 'C-0001', reason: 'SOURCE_RECORD_LINKED' }),
      decision('LINK', { ...event('deleted'), change_type: 'DELETE' }, { citizen_id: 'C-0001' }),
      decision('REVIEW', event('doubted'), { reason: LATER, candidates: [{ citizen_id: 'C-0001', score: 0.99 }] }),
      decision('LINK', event('scored'), { citizen_id: 'C-0001' }),
    ];
    const { rows } = planDecisions(decisions, loadedState(decisions, { citizens: [registerCitizen({ citizen_id: 'C-0001' })] }), CONTEXT);
    const closing = rows.recordCasesClosed.values().map((c) => c.source_record_id);
    const locked = classify(decisions, new Set(decisions.map((d) => d.decision_id)), CONTEXT.settings).caseRecords.map((r) => r.source_record_id);
    expect([closing, locked]).toEqual([
      ['follows', 'deleted', 'doubted'],
      ['follows', 'deleted', 'doubted'],
    ]);
  });

  it('spares the cases of the record the chunk writes itself: one row is never updated by two parts of its statement', () => {
    const o = observation({ source: 'vaccination', event_type: 'VACCINATION', change_type: 'UPDATE' });
    const doubt = decision('REVIEW', o, { reason: LATER, candidates: [{ citizen_id: 'C-0001', score: 0.99 }] });
    const deletion = decision('LINK', { ...o, observation_id: `${o.observation_id}-deleted`, change_type: 'DELETE' }, { citizen_id: 'C-0001' });
    const other = decision('REVIEW', observation({ source_record_id: 'another' }), { reason: 'AMBIGUOUS' });
    const loaded = loadedState([doubt, deletion, other], { citizens: [registerCitizen({ citizen_id: 'C-0001' })] });
    const { rows } = planDecisions([doubt, deletion, other], loaded, CONTEXT);
    expect(rows.recordCasesClosed.values().map((c) => c.spared)).toEqual([[o.observation_id], [o.observation_id]]);
  });
});

describe('planning the deletion of a source record (no database)', () => {
  const record = () => observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });
  const deletionOf = (o: ReturnType<typeof observation>) => ({
    ...o,
    observation_id: `${o.observation_id}-deleted`,
    change_type: 'DELETE' as const,
    event_time: o.event_time + 60_000,
  });
  const ambiguous = (o: ReturnType<typeof observation>) => decision('REVIEW', o, { reason: 'AMBIGUOUS', candidates: [{ citizen_id: 'C-0001', score: 0.6 }] });
  const planned = (decisions: ReturnType<typeof decision>[]) =>
    planDecisions(decisions, loadedState(decisions, { citizens: [registerCitizen({ citizen_id: 'C-0001' })] }), CONTEXT).rows;

  it.each([
    ['follows a link', (o: ReturnType<typeof observation>) => decision('LINK', o, { citizen_id: 'C-0001' })],
    ['is sent to review', ambiguous],
    ['is kept unlinked', (o: ReturnType<typeof observation>) => decision('UNLINKED', o, { reason: 'NO_MATCH' })],
  ])("closes the record's cases and keeps the deletion, with its times only, when it %s", (_, decided) => {
    const deletion = deletionOf(record());
    const rows = planned([decided(deletion)]);
    expect(rows.recordCasesClosed.values().map((c) => [c.source_record_id, c.resolution, c.event_time])).toEqual([
      [deletion.source_record_id, 'DELETED', deletion.event_time],
    ]);
    expect(rows.recordDeletions.values()).toEqual([
      {
        observation_id: deletion.observation_id,
        source: deletion.source,
        source_system: deletion.source_system,
        source_record_id: deletion.source_record_id,
        event_time: deletion.event_time,
        ingested_at: deletion.ingested_at,
      },
    ]);
  });

  it('writes closed the case an earlier decision of the chunk opens for the record, and open the one a later decision opens', () => {
    const o = record();
    const again = { ...o, observation_id: `${o.observation_id}-again`, event_time: o.event_time + 120_000 };
    const rows = planned([ambiguous(o), decision('LINK', deletionOf(o), { citizen_id: 'C-0001' }), ambiguous(again)]);
    expect(rows.reviewCases.values().map((c) => [c.observation_id, c.resolution])).toEqual([
      [o.observation_id, 'DELETED'],
      [again.observation_id, undefined],
    ]);
  });

  it("leaves another record's case in the chunk open", () => {
    const other = record();
    const rows = planned([ambiguous(other), decision('LINK', deletionOf(record()), { citizen_id: 'C-0001' })]);
    expect(rows.reviewCases.values().map((c) => c.resolution)).toEqual([undefined]);
  });

  /** The record as the load phase reads it for a deletion: the citizen it is linked to and its events waiting. */
  const stored = (
    o: ReturnType<typeof observation>,
    linkedTo: string | null,
    waiting: ReturnType<typeof observation>[] = [],
    linkedSince: { event_time: number; ingested_at: number } | null = null,
  ) => new Map([[recordKey(o), { linkedTo, linkedSince, waiting }]]);
  const planOf = (decisions: ReturnType<typeof decision>[], overrides: Parameters<typeof loadedState>[1] = {}) =>
    planDecisions(
      decisions,
      loadedState(decisions, { citizens: [registerCitizen({ citizen_id: 'C-0001' }), registerCitizen({ citizen_id: 'C-0002' })], ...overrides }),
      CONTEXT,
    );
  /** A birth registration without a personal ID: nothing but its being a deletion keeps a citizen from being made of it. */
  const birth = () => observation({ person: { personal_id: null } });

  it.each([
    ['a new citizen', (o: ReturnType<typeof observation>) => decision('NEW', o)],
    ['review', ambiguous],
    ['unlinked', (o: ReturnType<typeof observation>) => decision('UNLINKED', o, { reason: 'NO_MATCH' })],
    ['a link scored to a citizen', (o: ReturnType<typeof observation>) => decision('LINK', o, { citizen_id: 'C-0001' })],
  ])('makes no citizen, opens no case, keeps nothing waiting and publishes nothing for the deletion of a record linked to no one, decided %s', (_, decided) => {
    const deletion = decided(deletionOf(birth()));
    const { results, rows } = planOf([deletion]);
    expect(results).toEqual(['deleted']);
    expect(sizes(rows)).toEqual({ outcomes: 1, recordCasesClosed: 1, recordDeletions: 1, audit: 1 });
    expect(rows.outcomes.values()).toEqual([
      expect.objectContaining({ observation_id: deletion.observation.observation_id, outcome: 'DELETED', citizen_id: null }),
    ]);
    expect(rows.audit.values().map((a) => [a.action, a.citizen_id])).toEqual([['RECORD_DELETED_UNLINKED', null]]);
  });

  it.each([
    ['review', ambiguous],
    ['unlinked', (o: ReturnType<typeof observation>) => decision('UNLINKED', o, { reason: 'NO_MATCH' })],
    ['a link scored to another citizen', (o: ReturnType<typeof observation>) => decision('LINK', o, { citizen_id: 'C-0002' })],
  ])('takes a record off the citizen it is linked to, whatever the linker decided its deletion (%s)', (_, decided) => {
    const o = record();
    const deletion = decided(deletionOf(o));
    const { results, rows } = planOf([deletion], { deletedRecords: stored(o, 'C-0001') });
    expect(results).toEqual(['RECORD_UNLINKED']);
    expect([rows.linkDeletes.size, rows.reviewCases.size, rows.unlinked.size]).toEqual([1, 0, 0]);
    expect(rows.outcomes.values()).toEqual([expect.objectContaining({ outcome: 'DELETED', citizen_id: 'C-0001' })]);
    expect(rows.outbox.values().map((u) => [(u.payload as { citizen_id: string }).citizen_id, (u.payload as { update_type: string }).update_type])).toEqual([
      ['C-0001', 'RECORD_UNLINKED'],
    ]);
  });

  it('keeps only the deletion of a record whose stored link holds a later event of it (the record made again at its source)', () => {
    const o = record();
    const deletion = decision('LINK', deletionOf(o), { citizen_id: 'C-0001' });
    const madeAgain = { event_time: o.event_time + 120_000, ingested_at: o.ingested_at + 120_000 };
    const { results, rows } = planOf([deletion], { deletedRecords: stored(o, 'C-0001', [], madeAgain) });
    expect(results).toEqual(['deleted']);
    expect([rows.linkDeletes.size, rows.outbox.size]).toEqual([0, 0]);
    expect(rows.outcomes.values()).toEqual([expect.objectContaining({ outcome: 'DELETED', citizen_id: null })]);
    expect(rows.audit.values().map((a) => [a.action, a.details])).toEqual([['RECORD_DELETED_UNLINKED', expect.objectContaining({ linked_later: 'C-0001' })]]);
  });

  it('takes a record off its citizen when its stored link holds an earlier event of it', () => {
    const o = record();
    const before = { event_time: o.event_time - 120_000, ingested_at: o.ingested_at - 120_000 };
    const { results, rows } = planOf([decision('UNLINKED', deletionOf(o), { reason: 'NO_MATCH' })], { deletedRecords: stored(o, 'C-0001', [], before) });
    expect(results).toEqual(['RECORD_UNLINKED']);
    expect(rows.linkDeletes.size).toBe(1);
  });

  it("ends the wait of the record's stored events the deletion follows, not of one after it, and sends none of them back", () => {
    const o = record();
    const after = { ...o, observation_id: `${o.observation_id}-after`, event_time: o.event_time + 120_000 };
    const deletion = decision('UNLINKED', deletionOf(o), { reason: 'NO_MATCH' });
    const newborn = decision('NEW', observation());
    const waitingInReach = [o, after].map((w) => ({
      observation: w,
      attempt: 0,
      table: 'unlinked_records' as const,
      citizen_id: newCitizenId(newborn.observation),
    }));
    const { rows } = planOf([deletion, newborn], { deletedRecords: stored(o, null, [o, after]), waitingInReach });
    expect(rows.resolutions.values()).toEqual([{ observation_id: o.observation_id, resolution: 'DELETED', citizen_id: null }]);
    expect(rows.resolvedKeys.values()).toEqual([{ observation_id: o.observation_id }]);
    expect(
      rows.outbox.values().flatMap((m) => (m.topic === CONTEXT.topics.observations ? [(m.payload as { observation_id: string }).observation_id] : [])),
    ).toEqual([after.observation_id]);
  });

  /** The record's link as a change sends it back: its own event, decided again (byRegisterChange: a re-examination, else new settings). */
  const sentBack = (o: ReturnType<typeof observation>, byRegisterChange: boolean, observationId: string = o.observation_id) =>
    new Map([
      [
        relinkKey(o),
        {
          link: { citizenId: 'C-0001', method: 'PROBABILISTIC', score: 0.9999, observationId },
          thresholds: CONTEXT.settings.thresholds,
          byRegisterChange,
          waiting: false,
        },
      ],
    ]);
  const keepOrDoubt = [
    ['keep the link', (o: ReturnType<typeof observation>) => decision('LINK', o, { citizen_id: 'C-0001' })],
    ['doubt the link', ambiguous],
  ] as const;
  const origins = [
    ['new settings', false, 'SETTINGS_RELINK_SET_ASIDE'],
    ['a re-examination', true, 'REEXAMINED_LINK_SET_ASIDE'],
  ] as const;

  for (const [origin, byRegisterChange, action] of origins)
    it.each(keepOrDoubt)(
      `brings no link back, and opens no case, when ${origin} send back the linked event its deletion earlier in the chunk follows, decided to %s`,
      (_, decided) => {
        const o = { ...record(), attempt: 1 };
        const deletion = decision('UNLINKED', { ...deletionOf(o), attempt: 0 }, { reason: 'NO_MATCH' });
        const linkedBy = { event_time: o.event_time, ingested_at: o.ingested_at };
        const { results, rows } = planOf([deletion, decided(o)], { deletedRecords: stored(o, 'C-0001', [], linkedBy), relinks: sentBack(o, byRegisterChange) });
        expect(results).toEqual(['RECORD_UNLINKED', 'duplicate']);
        expect([rows.links.size, rows.linkDeletes.size, rows.reviewCases.size]).toEqual([0, 1, 0]);
        expect(rows.audit.values().filter((a) => a.action === action)).toEqual([
          expect.objectContaining({ citizen_id: 'C-0001', details: expect.objectContaining({ deletion: deletion.observation.observation_id }) }),
        ]);
      },
    );

  it.each(keepOrDoubt)(
    'leaves the link of the record made again at its source as it is when a change sends back an event before its stored deletion, decided to %s',
    (_, decided) => {
      const o = { ...record(), attempt: 1 };
      const deletion = deletionOf(o);
      const recordDeletions = new Map([
        [recordKey(o), [{ observation_id: deletion.observation_id, event_time: deletion.event_time, ingested_at: deletion.ingested_at }]],
      ]);
      const { results, rows } = planOf([decided(o)], { recordDeletions, relinks: sentBack(o, false, `${o.observation_id}-again`) });
      expect(results).toEqual(['duplicate']);
      expect([rows.links.size, rows.linkDeletes.size, rows.reviewCases.size]).toEqual([0, 0, 0]);
    },
  );

  it('sends back no stored open case of the record, so none is spared its closing', () => {
    const o = record();
    const deletion = decision('UNLINKED', deletionOf(o), { reason: 'NO_MATCH' });
    const newborn = decision('NEW', observation());
    const waitingInReach = [{ observation: o, attempt: 0, table: 'review_cases' as const, citizen_id: newCitizenId(newborn.observation) }];
    const { rows } = planOf([deletion, newborn], { waitingInReach });
    expect([rows.reviewsSentBack.size, rows.outbox.values().filter((m) => m.topic === CONTEXT.topics.observations).length]).toEqual([0, 0]);
    expect(rows.recordCasesClosed.values().map((c) => c.spared)).toEqual([[]]);
  });

  it('writes resolved, without its keys, the event an earlier decision of the chunk keeps waiting, and sets aside its later attempt after the deletion', () => {
    const o = record();
    const kept = decision('UNLINKED', o, { reason: 'NO_MATCH' });
    const deletion = decision('UNLINKED', deletionOf(o), { reason: 'NO_MATCH' });
    const sentBack = decision('LINK', { ...o, attempt: 1 }, { citizen_id: 'C-0001' });
    const { results, rows } = planOf([kept, deletion, sentBack]);
    expect(results).toEqual(['unlinked', 'deleted', 'duplicate']);
    expect(rows.unlinked.values().map((u) => [u.observation_id, u.resolution])).toEqual([[o.observation_id, 'DELETED']]);
    expect(rows.unlinkedKeys.size).toBe(0);
    expect(rows.resolvedKeys.values()).toEqual([{ observation_id: o.observation_id }]);
    expect(rows.links.size).toBe(0);
  });

  it('names the records a deletion is of to read, and no citizen, new citizen or blocking key to lock for it, whatever the linker decided', () => {
    const deletions = [decision('NEW', deletionOf(birth())), decision('LINK', deletionOf(record()), { citizen_id: 'C-0001' })];
    const needs = classify(deletions, new Set(deletions.map((d) => d.decision_id)), CONTEXT.settings);
    expect(needs.deletedRecords.map((r) => r.source_record_id)).toEqual(deletions.map((d) => d.observation.source_record_id));
    expect([needs.citizenIds, needs.newCitizens, needs.reachProbes]).toEqual([[], [], []]);
  });

  it("locks the source record a deletion is of, as a steward's decision on it does before it reads the link, so the deletion reads the link the steward left", () => {
    const deletions = [decision('NEW', deletionOf(birth())), decision('LINK', deletionOf(record()), { citizen_id: 'C-0001' })];
    const needs = classify(deletions, new Set(deletions.map((d) => d.decision_id)), CONTEXT.settings);
    expect([needs.recordLocks, needs.lockKeys]).toEqual([deletions.map((d) => recordLock(d.observation)), []]);
  });
});

describe('planning an event of a record deleted after it at its source (no database)', () => {
  const record = () => observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });
  /** A birth registration without a personal ID: nothing but the deletion keeps a citizen from being made of it. */
  const birth = () => observation({ person: { personal_id: null } });
  const deletionOf = (o: ReturnType<typeof observation>, after = 60_000) => ({
    ...o,
    observation_id: `${o.observation_id}-deleted`,
    change_type: 'DELETE' as const,
    event_time: o.event_time + after,
  });
  /** The deletions of the record the load phase read (record_deletions). */
  const kept = (...deletions: ReturnType<typeof deletionOf>[]) =>
    new Map([[recordKey(deletions[0]!), deletions.map(({ observation_id, event_time, ingested_at }) => ({ observation_id, event_time, ingested_at }))]]);
  const planOf = (decisions: ReturnType<typeof decision>[], overrides: Parameters<typeof loadedState>[1] = {}) =>
    planDecisions(decisions, loadedState(decisions, { citizens: [registerCitizen({ citizen_id: 'C-0001' })], ...overrides }), CONTEXT);
  const decisions = {
    'a link': (o: ReturnType<typeof observation>) => decision('LINK', o, { citizen_id: 'C-0001' }),
    "a link following the record's link": (o: ReturnType<typeof observation>) =>
      decision('LINK', o, { citizen_id: 'C-0001', reason: 'SOURCE_RECORD_LINKED', method: 'DETERMINISTIC' }),
    'a new citizen': (o: ReturnType<typeof observation>) => decision('NEW', o),
    review: (o: ReturnType<typeof observation>) => decision('REVIEW', o, { reason: 'AMBIGUOUS', candidates: [{ citizen_id: 'C-0001', score: 0.6 }] }),
    unlinked: (o: ReturnType<typeof observation>) => decision('UNLINKED', o, { reason: 'NO_MATCH' }),
  };

  it.each(Object.entries(decisions))(
    'changes nothing of the register for an event decided %s whose deletion the register holds: only its outcome and why',
    (_, decided) => {
      const o = birth();
      const deletion = deletionOf(o);
      const { results, rows } = planOf([decided(o)], { recordDeletions: kept(deletion) });
      expect(results).toEqual(['deleted']);
      expect(sizes(rows)).toEqual({ outcomes: 1, audit: 1 });
      expect(rows.outcomes.values()).toEqual([expect.objectContaining({ observation_id: o.observation_id, outcome: 'DELETED', citizen_id: null })]);
      expect(rows.audit.values()).toEqual([
        expect.objectContaining({
          action: 'EVENT_BEFORE_DELETION_SET_ASIDE',
          citizen_id: null,
          details: expect.objectContaining({ deletion: deletion.observation_id, reason: 'the record was deleted later at its source' }),
        }),
      ]);
    },
  );

  it.each(Object.entries(decisions))(
    'applies an event decided %s after the deletion the register holds, of the record made again at its source',
    (_, decided) => {
      const o = birth();
      const again = { ...o, observation_id: `${o.observation_id}-again`, event_time: o.event_time + 120_000 };
      const { results } = planOf([decided(again)], { recordDeletions: kept(deletionOf(o)) });
      expect(results).not.toEqual(['deleted']);
      expect(results).not.toEqual(['duplicate']);
    },
  );

  it('sets aside an event the deletion of an earlier decision of the chunk follows, and applies one after it', () => {
    const o = record();
    const deletion = decision('UNLINKED', deletionOf(o), { reason: 'NO_MATCH' });
    const again = { ...o, observation_id: `${o.observation_id}-again`, event_time: o.event_time + 120_000 };
    const { results, rows } = planOf([deletion, decisions['a link'](o), decisions['a link'](again)]);
    expect(results).toEqual(['deleted', 'deleted', 'FACT_RECORDED']);
    expect(rows.links.values().map((l) => l.observation.observation_id)).toEqual([again.observation_id]);
    expect(rows.facts.values().map((f) => f.observation_id)).toEqual([again.observation_id]);
  });

  it('sets aside an event the latest of several deletions follows, though an earlier one does not', () => {
    const o = birth();
    const { results } = planOf([decisions['a new citizen'](o)], { recordDeletions: kept(deletionOf(o, -60_000), deletionOf(o, 60_000)) });
    expect(results).toEqual(['deleted']);
  });

  it('ends the wait of an event sent back to the linker that the deletion follows, and sends it back no more', () => {
    const o = { ...record(), attempt: 1 };
    const { results, rows } = planOf([decisions.unlinked(o)], { recordDeletions: kept(deletionOf(o)) });
    expect(results).toEqual(['deleted']);
    expect(rows.resolutions.values()).toEqual([{ observation_id: o.observation_id, resolution: 'DELETED', citizen_id: null }]);
    expect([rows.unlinked.size, rows.outbox.size]).toEqual([0, 0]);
  });

  it("names the record of every other decision for its deletions to be read and its lock taken, but a steward's own decision's, which holds its lock", () => {
    const event = decision('LINK', record(), { citizen_id: 'C-0001' });
    const steward = decision('LINK', observation({ attempt: 1 }), { citizen_id: 'C-0001', method: 'STEWARD', reason: 'STEWARD_DECISION' });
    const needs = classify([event, steward], new Set([event.decision_id, steward.decision_id]), CONTEXT.settings);
    expect(needs.decidedRecords.map((r) => r.source_record_id)).toEqual([event.observation.source_record_id, steward.observation.source_record_id]);
    expect(needs.recordLocks).toEqual([recordLock(event.observation)]);
  });
});

describe('planning two attempts at one waiting record in one chunk (no database)', () => {
  const waiting = () => observation({ source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });
  const planOf = (decisions: LinkDecision[]) => planDecisions(decisions, loadedState(decisions, { citizens: [registerCitizen()] }), CONTEXT);

  it('writes resolved, linked and without its keys, a record one attempt keeps waiting and a later attempt links: its row is written once', () => {
    const o = waiting();
    const { results, rows } = planOf([decision('UNLINKED', o, { reason: 'NO_MATCH' }), decision('LINK', { ...o, attempt: 1 }, { citizen_id: 'C-0001' })]);
    expect(results[0]).toBe('unlinked');
    expect(rows.unlinked.values().map((u) => [u.observation_id, u.resolution, u.resolved_citizen_id])).toEqual([[o.observation_id, 'LINKED', 'C-0001']]);
    expect([rows.resolutions.size, rows.unlinkedKeys.size, rows.unlinkedSentBack.size]).toEqual([0, 0, 0]);
    expect(rows.resolvedKeys.values()).toEqual([{ observation_id: o.observation_id }]);
    expect(rows.links.values().map((l) => l.citizen_id)).toEqual(['C-0001']);
  });

  it('writes resolved as in review a record one attempt keeps waiting and a later attempt sends to a steward, whose case opens', () => {
    const o = waiting();
    const { rows } = planOf([decision('UNLINKED', o, { reason: 'NO_MATCH' }), decision('REVIEW', { ...o, attempt: 1 }, { reason: 'BETWEEN_THRESHOLDS' })]);
    expect(rows.unlinked.values().map((u) => [u.observation_id, u.resolution])).toEqual([[o.observation_id, 'REVIEW']]);
    expect(rows.resolutions.size).toBe(0);
    expect(rows.reviewCases.values().map((c) => [c.observation_id, c.resolution])).toEqual([[o.observation_id, undefined]]);
  });

  it('writes closed the case one attempt opens when a later attempt links the record, rather than closing it in another part', () => {
    const o = waiting();
    const { rows } = planOf([decision('REVIEW', o, { reason: 'BETWEEN_THRESHOLDS' }), decision('LINK', { ...o, attempt: 1 }, { citizen_id: 'C-0001' })]);
    expect(rows.reviewCases.values().map((c) => [c.observation_id, c.resolution])).toEqual([[o.observation_id, 'LINK']]);
    expect(rows.reviewsClosed.size).toBe(0);
  });

  it('keeps a row resolved by a later attempt as that attempt left it when a still later attempt keeps the record waiting', () => {
    const o = waiting();
    const { rows } = planOf([
      decision('UNLINKED', o, { reason: 'NO_MATCH' }),
      decision('REVIEW', { ...o, attempt: 1 }, { reason: 'BETWEEN_THRESHOLDS' }),
      decision('UNLINKED', { ...o, attempt: 2 }, { reason: 'NO_MATCH' }),
    ]);
    expect(rows.unlinked.values().map((u) => [u.resolution, u.attempt])).toEqual([['REVIEW', 0]]);
    expect(rows.unlinkedKeys.size).toBe(0);
  });

  it('does not send back to the linker a stored waiting record the chunk links, though a citizen it registers is in its reach', () => {
    const o = { ...waiting(), attempt: 1 };
    const link = decision('LINK', o, { citizen_id: 'C-0001' });
    const newborn = decision('NEW', observation());
    const waitingInReach = [
      { observation: { ...o, attempt: 0 }, attempt: 0, table: 'unlinked_records' as const, citizen_id: newCitizenId(newborn.observation) },
    ];
    const { rows } = planDecisions([link, newborn], loadedState([link, newborn], { citizens: [registerCitizen()], waitingInReach }), CONTEXT);
    expect(rows.resolutions.values().map((r) => r.observation_id)).toEqual([o.observation_id]);
    expect(rows.outbox.values().filter((m) => m.topic === CONTEXT.topics.observations)).toEqual([]);
  });

  it('writes a stored waiting record one attempt sends to review in one part only, though a later attempt keeps it waiting', () => {
    const o = { ...waiting(), attempt: 1 };
    const { results, rows } = planOf([
      decision('REVIEW', o, { reason: 'BETWEEN_THRESHOLDS' }),
      decision('UNLINKED', { ...o, attempt: 2 }, { reason: 'NO_MATCH' }),
    ]);
    expect(results).toEqual(['review', 'unlinked']);
    expect(rows.resolutions.values().map((r) => [r.observation_id, r.resolution])).toEqual([[o.observation_id, 'REVIEW']]);
    expect([rows.unlinked.size, rows.unlinkedKeys.size, rows.unlinkedSentBack.size]).toEqual([0, 0, 0]);
    expect(rows.outcomes.values().map((r) => r.outcome)).toEqual(['REVIEW', 'UNLINKED']);
  });
});
