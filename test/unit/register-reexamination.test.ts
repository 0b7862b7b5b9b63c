import { describe, expect, it } from 'vitest';
import { keysOfCitizen } from '../../services/shared/store/plan/citizen-state.js';
import { citizenOf } from '../../services/shared/store/plan/new-citizen.js';
import { planDecisions } from '../../services/shared/store/plan/plan-decisions.js';
import { changesIdentity, planReexamination, type LinkedInReach, type RegisterChange } from '../../services/shared/store/plan/reexamination.js';
import type { WaitingInReach } from '../../services/shared/store/plan/loaded-state.js';
import type { PersonObservation } from '../../services/shared/schemas/records.js';
import { CONTEXT, decision, loadedState, observation, registerCitizen } from '../fixtures/link-decisions.js';

const { settings } = CONTEXT;

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
const change: RegisterChange = { citizenId: newborn.citizen_id, trigger: 'CREATED', keys: keysOfCitizen(settings, newborn) };

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

const held = (o: PersonObservation): WaitingInReach => ({ observation: o, attempt: 0, table: 'unlinked_records', citizen_id: newborn.citizen_id });
const linked = (o: PersonObservation | null, citizen = 'C-0001', method = 'PROBABILISTIC'): LinkedInReach => ({
  citizen_id: citizen,
  method,
  linked_personal_id: null,
  observation: o,
});

describe('which records a change of the register sends back (no database)', () => {
  it('sends records waiting for the changed citizen first, then records linked to others that share enough keys with them', () => {
    const plan = planReexamination(settings, change, [held(vaccination('obs-b'))], [linked(vaccination('obs-a'))], 50, new Set());
    expect(plan.send.map((o) => o.observation_id)).toEqual(['obs-b', 'obs-a']);
    expect(plan.inReach).toBe(2);
  });

  it("never sends the changed citizen's own records", () => {
    const plan = planReexamination(settings, change, [], [linked(vaccination('obs-own'), newborn.citizen_id)], 50, new Set());
    expect(plan.send).toEqual([]);
    expect(plan.inReach).toBe(0);
  });

  it("never sends a steward's link, and counts it", () => {
    const plan = planReexamination(settings, change, [], [linked(vaccination('obs-steward'), 'C-0001', 'STEWARD')], 50, new Set());
    expect(plan.send).toEqual([]);
    expect(plan.stewardHeld).toBe(1);
  });

  it('leaves out a record linked to a citizen in reach when its own keys do not share enough with the changed citizen', () => {
    const plan = planReexamination(settings, change, [], [linked(stranger)], 50, new Set());
    expect(plan.send).toEqual([]);
    expect(plan.inReach).toBe(0);
  });

  it('leaves out a record linked to the citizen holding its own personal ID', () => {
    const withId = observation({ ...vaccination('obs-id'), person: { ...vaccination('obs-id').person, personal_id: '079200000777' } });
    const plan = planReexamination(settings, change, [], [{ ...linked(withId), linked_personal_id: '079200000777' }], 50, new Set());
    expect(plan.send).toEqual([]);
    expect(plan.inReach).toBe(0);
  });

  it("counts a steward's link as steward-held even when the record carries its citizen's personal ID", () => {
    const withId = observation({ ...vaccination('obs-steward-id'), person: { ...vaccination('obs-steward-id').person, personal_id: '079200000777' } });
    const plan = planReexamination(settings, change, [], [{ ...linked(withId, 'C-0001', 'STEWARD'), linked_personal_id: '079200000777' }], 50, new Set());
    expect(plan).toMatchObject({ send: [], stewardHeld: 1 });
  });

  it('counts a link the register kept no observation of, which cannot be sent', () => {
    const plan = planReexamination(settings, change, [], [linked(null)], 50, new Set());
    expect(plan).toMatchObject({ send: [], unstored: 1, inReach: 1 });
  });

  it('sends at most the bound per change and counts the rest as over the bound', () => {
    const records = ['obs-1', 'obs-2', 'obs-3', 'obs-4', 'obs-5'].map((id) => linked(vaccination(id)));
    const plan = planReexamination(settings, change, [], records, 2, new Set());
    expect(plan.send.map((o) => o.observation_id)).toEqual(['obs-1', 'obs-2']);
    expect(plan).toMatchObject({ inReach: 5, overBound: 3 });
  });

  it('does not send a record twice when two changes of one transaction reach it', () => {
    const taken = new Set<string>();
    const other: RegisterChange = { ...change, citizenId: 'C-0002', trigger: 'CORRECTED' };
    const first = planReexamination(settings, change, [], [linked(vaccination('obs-shared'))], 50, taken);
    const second = planReexamination(settings, other, [], [linked(vaccination('obs-shared'))], 50, taken);
    expect([first.send.length, second.send.length]).toEqual([1, 0]);
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
      { citizenId: '079300000001', trigger: 'CREATED', keys: expect.arrayContaining([expect.objectContaining({ rule: 'personal_id' })]) },
    ]);
  });

  it('names a citizen whose date of birth a civil-status correction changes', () => {
    const citizen = registerCitizen();
    const correction = decision(
      'LINK',
      observation({
        event_type: 'CIVIL_STATUS_CORRECTION',
        person: {
          personal_id: '079200000777',
          full_name: 'Lê Văn Hùng',
          family_name: 'Lê',
          middle_name: 'Văn',
          given_name: 'Hùng',
          name_key: 'le van hung',
          date_of_birth: { value: '1980-06-04', precision: 'DAY' },
          sex: 'MALE',
        },
      }),
      { citizen_id: 'C-0001' },
    );
    const { registerChanges, rows } = planDecisions([correction], loadedState([correction], { citizens: [citizen] }), CONTEXT);
    expect(rows.citizens.values()[0]?.date_of_birth).toBe('1980-06-04');
    expect(registerChanges).toEqual([expect.objectContaining({ citizenId: 'C-0001', trigger: 'CORRECTED' })]);
  });

  it('names no change for a record a re-examination sent back, so a re-examination never starts another', () => {
    const o = observation({ attempt: 2 });
    const birth = decision('NEW', o);
    const relinks = new Map([[o.observation_id, { link: null, thresholds: CONTEXT.settings.thresholds }]]);
    const { results, registerChanges } = planDecisions([birth], loadedState([birth], { relinks }), CONTEXT);
    expect(results).toEqual(['CITIZEN_CREATED']);
    expect(registerChanges).toEqual([]);
  });
});

describe('planning the decisions on linked records a change of the register sent back (no database)', () => {
  const sentBack = (o: PersonObservation) =>
    new Map([
      [
        o.observation_id,
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
