import { describe, expect, it } from 'vitest';
import type { BlockingRule } from '../../services/shared/linkage/settings.js';
import { keysOfCitizen } from '../../services/shared/store/plan/citizen-state.js';
import { enoughSharedKeys, recordKeysOf, recordLockKeys, withTypoVariants } from '../../services/shared/store/plan/record-keys.js';
import { withChange } from '../../services/shared/register/citizen-changes.js';
import { isNoOnesId } from '../../services/shared/normalise/personal-id.js';
import { citizenOf } from '../../services/shared/store/plan/new-citizen.js';
import { loadConfig as loadStoreConfig } from '../../services/store/config.js';
import { classify } from '../../services/shared/store/plan/classify.js';
import { relinkKey } from '../../services/shared/store/plan/loaded-state.js';
import { planDecisions } from '../../services/shared/store/plan/plan-decisions.js';
import {
  changedIdentityLocks,
  changesIdentity,
  DEFAULT_MAX_RECORDS_PER_TRANSACTION,
  indexedReachSettings,
  keyedChanges,
  planReexaminations,
  type KeyedChange,
  type PickedRecord,
  type ReachCount,
  reexaminationBoundFor,
} from '../../services/shared/store/plan/reexamination.js';
import type { PersonObservation } from '../../services/shared/schemas/records.js';
import { CONTEXT, decision, loadedState, observation, registerCitizen } from '../fixtures/link-decisions.js';

const { settings } = CONTEXT;
const PLACEHOLDER = '000000000000';

/** A newborn registered by civil status (synthetic): the change whose reach is looked at. */
const newborn = citizenOf(
  observation({
    person: {
      personal_id: '079326000123',
      full_name: 'Phạm Minh Khoa',
      family_name: 'Phạm',
      middle_name: 'Minh',
      given_name: 'Khoa',
      name_key: 'pham minh khoa',
    },
  }),
);
const change: KeyedChange = { citizenId: newborn.citizen_id, trigger: 'CREATED', row: newborn, keys: keysOfCitizen(settings, newborn) };

/** A vaccination of the same child without an ID: it shares the newborn's name and date of birth keys. */
const vaccination = (id: string): PersonObservation =>
  observation({
    observation_id: id,
    source: 'vaccination',
    event_type: 'VACCINATION',
    person: { personal_id: null, full_name: 'Phạm Minh Khoa', family_name: 'Phạm', middle_name: 'Minh', given_name: 'Khoa', name_key: 'pham minh khoa' },
  });

/** A stranger's record: another name, another day. */
const stranger = observation({
  observation_id: 'obs-stranger',
  source: 'vaccination',
  person: {
    personal_id: null,
    full_name: 'Đỗ Thu Hà',
    family_name: 'Đỗ',
    middle_name: 'Thu',
    given_name: 'Hà',
    name_key: 'do thu ha',
    date_of_birth: { value: '1961-09-30', precision: 'DAY' },
    address: '3 Ngõ Huế',
  },
});

const picked = (o: PersonObservation, table: PickedRecord['table'] = 'record_links', changed = newborn.citizen_id): PickedRecord => ({
  changed,
  table,
  observation: o,
});
const counted = (counts: Partial<ReachCount> = {}, changed = newborn.citizen_id): ReachCount => ({
  changed,
  held: 0,
  linked: 0,
  stewardHeld: 0,
  unstored: 0,
  ...counts,
});

describe('which records the changes of a transaction send back (no database)', () => {
  it('sends the records the database picked, in its order, waiting and linked alike', () => {
    const [plan] = planReexaminations(
      settings,
      [change],
      [counted({ held: 1, linked: 1 })],
      [picked(vaccination('obs-b'), 'unlinked_records'), picked(vaccination('obs-a'))],
      50,
    );
    expect(plan!.send.map((r) => r.observation.observation_id)).toEqual(['obs-b', 'obs-a']);
    expect(plan).toMatchObject({ inReach: 2, overBound: 0 });
  });

  it('leaves out a linked record whose own keys do not share enough with the changed citizen, and does not count it in reach', () => {
    const [plan] = planReexaminations(settings, [change], [counted({ linked: 1 })], [picked(stranger)], 50);
    expect(plan).toMatchObject({ send: [], inReach: 0, overBound: 0 });
  });

  it('names a linked record left out on its own keys, so that its re-examination is stamped all the same', () => {
    const [plan] = planReexaminations(settings, [change], [counted({ linked: 1 })], [picked(stranger)], 50);
    expect(plan!.outOfOwnReach).toEqual([picked(stranger)]);
  });

  it("counts the steward's links and the links kept without an observation, and sends neither", () => {
    const [plan] = planReexaminations(settings, [change], [counted({ stewardHeld: 2, unstored: 1 })], [], 50);
    expect(plan).toMatchObject({ send: [], inReach: 3, stewardHeld: 2, unstored: 1, overBound: 0 });
  });

  it('sends at most the room the transaction has left across all its changes, and counts the rest of each as over the bound', () => {
    const other: KeyedChange = { ...change, citizenId: 'C-0002', trigger: 'CORRECTED' };
    const records = ['obs-1', 'obs-2', 'obs-3', 'obs-4', 'obs-5'].map((id, i) =>
      picked(vaccination(id), 'record_links', i % 2 === 0 ? change.citizenId : 'C-0002'),
    );
    const plans = planReexaminations(settings, [change, other], [counted({ linked: 3 }), counted({ linked: 2 }, 'C-0002')], records, 3);
    expect(plans.map((p) => p.send.map((r) => r.observation.observation_id))).toEqual([['obs-1', 'obs-3'], ['obs-2']]);
    expect(plans.map((p) => [p.inReach, p.overBound])).toEqual([
      [3, 1],
      [2, 1],
    ]);
  });

  it('counts records in reach that the database did not read, because of the bound, as over the bound', () => {
    const [plan] = planReexaminations(settings, [change], [counted({ held: 4, linked: 6 })], [picked(vaccination('obs-1'))], 1);
    expect(plan).toMatchObject({ inReach: 10, overBound: 9 });
    expect(plan!.send).toHaveLength(1);
  });

  it("sends nothing once the transaction's room is used up, and counts everything in reach as over the bound", () => {
    const [plan] = planReexaminations(settings, [change], [counted({ held: 1, linked: 2 })], [], 0);
    expect(plan).toMatchObject({ send: [], inReach: 3, overBound: 3 });
  });

  it("gives the changed citizen's keys as the row stands after a change makes a new row, and the old row's still", () => {
    const before = keysOfCitizen(settings, newborn);
    const renamed = withChange(newborn, { field: 'full_name', oldValue: newborn.full_name, newValue: 'Phạm Minh Khôi', rule: 'only-claim' });
    expect([keysOfCitizen(settings, renamed).find((k) => k.rule === 'tf:name_key')?.key, keysOfCitizen(settings, newborn)]).toEqual(['pham minh khoi', before]);
  });

  it("computes the changed citizen's blocking keys with the settings given, not those the plan was made with", () => {
    const renamed = { ...settings, blocking_rules: settings.blocking_rules.map((rule) => ({ ...rule, name: `v2-${rule.name}` })) };
    const [keyed] = keyedChanges(renamed, [{ citizenId: newborn.citizen_id, trigger: 'CREATED', row: newborn }]);
    const blocking = keyed!.keys.filter((k) => !k.rule.startsWith('tf:'));
    expect([blocking.length > 0, blocking.every((k) => k.rule.startsWith('v2-'))]).toEqual([true, true]);
  });
});

describe('a placeholder ID in reach (no database)', () => {
  const holder = { ...newborn, personal_id: PLACEHOLDER };
  // Born another day at the same address: one key shared besides the placeholder (the household's address), one short of reach.
  const carrying = observation({
    person: {
      personal_id: PLACEHOLDER,
      full_name: 'Đỗ Thu Hà',
      name_key: 'do thu ha',
      family_name: 'Đỗ',
      middle_name: 'Thu',
      given_name: 'Hà',
      date_of_birth: { value: '2026-02-03', precision: 'DAY' },
    },
  });

  it('does not count a placeholder as the key a waiting record and the changed citizen holding it share, since no lookup finds her by it', () => {
    expect(enoughSharedKeys(settings, recordKeysOf(settings, carrying), keysOfCitizen(settings, holder))).toBe(false);
  });

  it("leaves a placeholder out of the changed citizen's keys that the database matches records' keys with", () => {
    const [keyed] = keyedChanges(settings, [{ citizenId: holder.citizen_id, trigger: 'CORRECTED', row: holder }]);
    expect([keysOfCitizen(settings, holder).some((k) => k.key === PLACEHOLDER), keyed!.keys.some((k) => k.key === PLACEHOLDER)]).toEqual([true, false]);
  });

  it("expands a citizen's own ID to every typo variant, a record's ID mistyped in its province code among them, which that record's lookup reaches her from", () => {
    const keys = withTypoVariants(settings, [{ rule: 'personal_id', key: '079300000001' }], 'citizen').map((k) => k.key);
    expect(keys).toEqual(expect.arrayContaining(['079300000001', '179300000001']));
  });

  it("expands a citizen's placeholder to nothing: no lookup asks for it, and a record one typo from it asks for the variants with a province code", () => {
    expect(withTypoVariants(settings, [{ rule: 'personal_id', key: PLACEHOLDER }], 'citizen')).toEqual([]);
  });

  it("gives a record's placeholder no key and no typo variant without a province code", () => {
    const keys = withTypoVariants(settings, recordKeysOf(settings, carrying), 'record').filter((k) => k.rule === 'personal_id');
    expect([keys.every((k) => !isNoOnesId(k.key)), keys.map((k) => k.key)]).toEqual([true, expect.arrayContaining(['001000000000'])]);
  });
});

describe('the blocking rules reach is computed with (no database)', () => {
  const byYear: BlockingRule = { name: 'dob_family', equal: ['dob_year', 'family_group'], max_block_size: 50 };
  const redefined = { ...settings, blocking_rules: settings.blocking_rules.map((rule) => (rule.name === byYear.name ? byYear : rule)) };

  it('keeps every rule of the current version when the stored keys were built with the same rules', () => {
    expect(indexedReachSettings(settings, structuredClone(settings))).toEqual({ settings, notIndexed: [] });
  });

  it('leaves out a rule the stored keys were built with under another definition, and names it', () => {
    const { settings: reach, notIndexed } = indexedReachSettings(redefined, settings);
    expect([reach.blocking_rules.map((rule) => rule.name), notIndexed]).toEqual([
      settings.blocking_rules.filter((rule) => rule.name !== 'dob_family').map((rule) => rule.name),
      ['dob_family'],
    ]);
  });

  it('leaves out a rule of the current version the stored keys have none of, and names it', () => {
    const bySex: BlockingRule = { name: 'dob_sex', equal: ['dob', 'sex'] };
    const added = { ...settings, blocking_rules: [...settings.blocking_rules, bySex] };
    expect(indexedReachSettings(added, settings).notIndexed).toEqual(['dob_sex']);
  });

  it('keeps a rule whose block size cap alone differs: the keys are the same', () => {
    const capped = { ...settings, blocking_rules: settings.blocking_rules.map((rule) => ({ ...rule, max_block_size: 7 })) };
    expect(indexedReachSettings(capped, settings).notIndexed).toEqual([]);
  });
});

describe('which changes of a citizen are changes of their identity', () => {
  it('counts a new name, date of birth or sex', () => {
    expect(['full_name', 'date_of_birth', 'sex'].map((field) => changesIdentity([{ field }]))).toEqual([true, true, true]);
  });

  it('does not count an address or a marital status', () => {
    expect(changesIdentity([{ field: 'address' }, { field: 'marital_status' }])).toBe(false);
  });
});

describe('the changes of the register a chunk of decisions makes (no database)', () => {
  it('names a citizen a birth registers, with their keys as registered', () => {
    const birth = decision('NEW', observation());
    const { registerChanges } = planDecisions([birth], loadedState([birth]), CONTEXT);
    expect(registerChanges).toEqual([
      {
        citizenId: '079300000001',
        trigger: 'CREATED',
        row: expect.objectContaining({ citizen_id: '079300000001', full_name: birth.observation.person.full_name }),
      },
    ]);
  });

  /** Civil status corrects the register's citizen C-0001 (registerCitizen) to this person: his date of birth. */
  const correctedPerson = {
    personal_id: '079200000777',
    full_name: 'Lê Văn Hùng',
    family_name: 'Lê',
    middle_name: 'Văn',
    given_name: 'Hùng',
    name_key: 'le van hung',
    date_of_birth: { value: '1980-06-04', precision: 'DAY' as const },
    sex: 'MALE' as const,
  };
  const correctionPlan = () => {
    const correction = decision('LINK', observation({ event_type: 'CIVIL_STATUS_CORRECTION', person: correctedPerson }), { citizen_id: 'C-0001' });
    return planDecisions([correction], loadedState([correction], { citizens: [registerCitizen()] }), CONTEXT);
  };

  it('names a citizen whose date of birth a civil-status correction changes', () => {
    const { registerChanges, rows } = correctionPlan();
    expect(rows.citizens.values()[0]?.date_of_birth).toBe('1980-06-04');
    expect(registerChanges).toEqual([expect.objectContaining({ citizenId: 'C-0001', trigger: 'CORRECTED' })]);
  });

  it('locks the corrected citizen’s new keys that a record waiting for the person as corrected holds', () => {
    const { registerChanges } = correctionPlan();
    const waiting = observation({ source: 'vaccination', event_type: 'VACCINATION', person: { ...correctedPerson, personal_id: null } });
    const shared = recordLockKeys(settings, waiting).filter((key) => changedIdentityLocks(settings, registerChanges).includes(key));
    expect(shared.length).toBeGreaterThanOrEqual(2);
  });

  it('takes no lock for a citizen a birth registers: the chunk took the newborn’s keys before', () => {
    const birth = decision('NEW', observation());
    const { registerChanges } = planDecisions([birth], loadedState([birth]), CONTEXT);
    expect(changedIdentityLocks(settings, registerChanges)).toEqual([]);
  });

  it('names no change for a record a re-examination sent back, so a re-examination never starts another', () => {
    const o = observation({ attempt: 2 });
    const birth = decision('NEW', o);
    const relinks = new Map([[relinkKey(o), { link: null, thresholds: CONTEXT.settings.thresholds }]]);
    const { results, registerChanges } = planDecisions([birth], loadedState([birth], { relinks }), CONTEXT);
    expect(results).toEqual(['CITIZEN_CREATED']);
    expect(registerChanges).toEqual([]);
  });
});

describe('planning the decisions on linked records a change of the register sent back (no database)', () => {
  const sentBack = (o: PersonObservation) =>
    new Map([
      [
        relinkKey(o),
        { link: { citizenId: 'C-0001', method: 'PROBABILISTIC', score: 0.9999 }, thresholds: CONTEXT.settings.thresholds, byRegisterChange: true },
      ],
    ]);
  const linkedVaccination = () => observation({ attempt: 1, source: 'vaccination', event_type: 'VACCINATION', person: { personal_id: null } });

  it('keeps the link and opens a REGISTER_LINK_MOVED case naming both citizens when the record would now link elsewhere', () => {
    const o = linkedVaccination();
    const moved = decision('LINK', o, { citizen_id: 'C-0002', candidates: [{ citizen_id: 'C-0002', score: 0.99999 }] });
    const loaded = loadedState([moved], { citizens: [registerCitizen({ citizen_id: 'C-0002', personal_id: null })], relinks: sentBack(o) });
    const { results, rows } = planDecisions([moved], loaded, CONTEXT);
    expect([results, rows.links.size]).toEqual([['review'], 0]);
    const [opened] = rows.reviewCases.values();
    expect(opened).toMatchObject({ reason: 'REGISTER_LINK_MOVED' });
    expect((opened!.candidates as { citizen_id: string }[]).map((c) => c.citizen_id)).toEqual(['C-0002', 'C-0001']);
  });

  it('keeps the link to the same citizen and audits it as kept after a change of the register', () => {
    const o = linkedVaccination();
    const kept = decision('LINK', o, { citizen_id: 'C-0001' });
    const loaded = loadedState([kept], { citizens: [registerCitizen({ citizen_id: 'C-0001', personal_id: null })], relinks: sentBack(o) });
    const { results, rows } = planDecisions([kept], loaded, CONTEXT);
    expect([results, rows.links.values().map((l) => l.citizen_id), rows.reviewCases.size]).toEqual([['duplicate'], ['C-0001'], 0]);
    expect(rows.audit.values().map((a) => a.action)).toEqual(['REEXAMINED_LINK_KEPT']);
  });

  it('keeps the link and opens a REGISTER_LINK_DOUBTED case when the record would no longer be linked', () => {
    const o = linkedVaccination();
    const doubted = decision('REVIEW', o, { reason: 'AMBIGUOUS', candidates: [{ citizen_id: 'C-0001', score: 0.9 }] });
    const { rows } = planDecisions([doubted], loadedState([doubted], { relinks: sentBack(o) }), CONTEXT);
    expect(rows.linkDeletes.size + rows.links.size).toBe(0);
    expect(rows.reviewCases.values()[0]).toMatchObject({ reason: 'REGISTER_LINK_DOUBTED' });
  });
});

describe("the store's own relink budget, apart from the sends by changes (no database)", () => {
  /** A no-ID vaccination kept waiting at a late attempt, with a citizen registered lately in its reach that its decision did not see. */
  const keptLate = (attempt: number) => {
    const o = vaccination(`obs-late-${attempt}`);
    const kept = decision('UNLINKED', { ...o, attempt }, { reason: 'NO_CANDIDATE', candidates: [] });
    return { o, kept, recentInReach: [{ observation_id: o.observation_id, citizen_id: 'C-0009', corrected: false }] };
  };
  const relinked = (rows: ReturnType<typeof planDecisions>['rows']) => rows.outbox.values().filter((r) => r.event_id.includes(':relink:')).length;

  it('sends a record back itself when most of its attempts were sends by changes of the register', () => {
    const { o, kept, recentInReach } = keptLate(25);
    const loaded = loadedState([kept], { recentInReach, sentByChanges: new Map([[o.observation_id, 10]]) });
    expect(relinked(planDecisions([kept], loaded, CONTEXT).rows)).toBe(1);
  });

  it('sends a kept record back when a citizen among its candidates was corrected since its decision', () => {
    const o = vaccination('obs-corrected-candidate');
    const kept = decision('UNLINKED', o, { reason: 'BELOW_THRESHOLD', candidates: [{ citizen_id: 'C-0009', score: -3 }] });
    const loaded = loadedState([kept], { recentInReach: [{ observation_id: o.observation_id, citizen_id: 'C-0009', corrected: true }] });
    expect(relinked(planDecisions([kept], loaded, CONTEXT).rows)).toBe(1);
  });

  it('keeps a record waiting when the citizen registered since was among its candidates, unchanged', () => {
    const o = vaccination('obs-seen-candidate');
    const kept = decision('UNLINKED', o, { reason: 'BELOW_THRESHOLD', candidates: [{ citizen_id: 'C-0009', score: -3 }] });
    const loaded = loadedState([kept], { recentInReach: [{ observation_id: o.observation_id, citizen_id: 'C-0009', corrected: false }] });
    expect(relinked(planDecisions([kept], loaded, CONTEXT).rows)).toBe(0);
  });

  it('stops sending a record back itself once its own sends reach the budget', () => {
    const { o, kept, recentInReach } = keptLate(25);
    const loaded = loadedState([kept], { recentInReach, sentByChanges: new Map([[o.observation_id, 5]]) });
    expect(relinked(planDecisions([kept], loaded, CONTEXT).rows)).toBe(0);
  });

  it('reads how many sends by changes a record kept past the budget had, and probes its reach', () => {
    const { kept } = keptLate(25);
    const needs = classify([kept], new Set([kept.decision_id]), settings);
    expect([needs.budgetChecks, needs.reachProbes.map((p) => p.observation_id)]).toEqual([
      [kept.observation.observation_id],
      [kept.observation.observation_id],
    ]);
  });

  it('reads nothing more for a record kept below the budget', () => {
    const { kept } = keptLate(3);
    expect(classify([kept], new Set([kept.decision_id]), settings).budgetChecks).toEqual([]);
  });
});

describe("the store's bound on re-examinations, as configured", () => {
  it('is left to the store when not set', () => {
    expect(loadStoreConfig({}).DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_TRANSACTION).toBeUndefined();
  });

  it("is a quarter of the store's chunk size in effect, so re-examinations add at most a quarter to a full chunk's linker work", () => {
    expect(reexaminationBoundFor(loadStoreConfig({}).DANCU_STORE_CHUNK_SIZE)).toBe(50);
    expect(reexaminationBoundFor(55)).toBe(14);
  });

  it('is 50 records for a transaction not given a bound (a steward decision)', () => {
    expect(DEFAULT_MAX_RECORDS_PER_TRANSACTION).toBe(50);
  });

  it('refuses a bound that is not a whole number of records', () => {
    expect(() => loadStoreConfig({ DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_TRANSACTION: '2.5' })).toThrow(/DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_TRANSACTION/);
  });

  it('refuses the per-change setting it replaced, naming the new one', () => {
    expect(() => loadStoreConfig({ DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_CHANGE: '50' })).toThrow(/renamed DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_TRANSACTION/);
  });
});
