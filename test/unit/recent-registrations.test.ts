import { describe, expect, it } from 'vitest';
import { REGISTRATION_CLOCK_MARGIN_MS } from '../../services/shared/store/plan/new-citizen.js';
import { recentPairs, registeredSinceBound, unseenInReach, type ProbeRow, type RecentCitizen } from '../../services/shared/store/plan/recent-registrations.js';
import { CONTEXT } from '../fixtures/link-decisions.js';

const { settings } = CONTEXT;
const DECIDED = Date.parse('2026-03-01T10:00:00Z');

const row = (observation: string, rule: string, key: string, decided = DECIDED): ProbeRow => ({ observation, rule, key, decided });
const citizen = (citizen_id: string, changed_at: number, ...keys: [string, string][]): RecentCitizen => ({
  citizen_id,
  changed_at,
  corrected: false,
  keys: keys.map(([rule, key]) => ({ rule, key })),
});

describe('the records a citizen registered since their decision shares enough keys with', () => {
  const rows = [
    row('obs-a', 'dob_family', '2026-01-15|tran'),
    row('obs-a', 'family_given_year', 'tran|mai|2026'),
    row('obs-a', 'personal_id', '079300000001'),
    row('obs-b', 'dob_family', '2026-01-15|tran'),
  ];

  it('pairs a record with a citizen registered after its decision who holds two of its keys', () => {
    const pairs = recentPairs(settings, rows, [citizen('C-1', DECIDED + 1, ['dob_family', '2026-01-15|tran'], ['family_given_year', 'tran|mai|2026'])]);
    expect(pairs).toEqual([{ observation_id: 'obs-a', citizen_id: 'C-1', corrected: false }]);
  });

  it('pairs a record with a citizen holding its personal-ID key alone', () => {
    expect(recentPairs(settings, rows, [citizen('C-2', DECIDED + 1, ['personal_id', '079300000001'])])).toEqual([
      { observation_id: 'obs-a', citizen_id: 'C-2', corrected: false },
    ]);
  });

  it('leaves out a citizen sharing one key that is not an ID', () => {
    expect(recentPairs(settings, rows, [citizen('C-3', DECIDED + 1, ['dob_family', '2026-01-15|tran'], ['name_birth_year', 'tran mai|2026'])])).toEqual([]);
  });

  it('leaves out a citizen registered before the decision less the clocks’ margin, and keeps one registered within it', () => {
    const keys: [string, string][] = [['personal_id', '079300000001']];
    const pairs = recentPairs(settings, rows, [
      citizen('C-early', DECIDED - REGISTRATION_CLOCK_MARGIN_MS, ...keys),
      citizen('C-margin', DECIDED - REGISTRATION_CLOCK_MARGIN_MS + 1, ...keys),
    ]);
    expect(pairs).toEqual([{ observation_id: 'obs-a', citizen_id: 'C-margin', corrected: false }]);
  });

  it('compares each registration with the decision time of each record, not with the oldest', () => {
    const later = DECIDED + 60_000;
    const two = [
      row('obs-early', 'dob_family', '2026-01-15|tran'),
      row('obs-early', 'family_given_year', 'tran|mai|2026'),
      row('obs-late', 'dob_family', '2026-01-15|tran', later),
      row('obs-late', 'family_given_year', 'tran|mai|2026', later),
    ];
    const keys: [string, string][] = [
      ['dob_family', '2026-01-15|tran'],
      ['family_given_year', 'tran|mai|2026'],
    ];
    expect(recentPairs(settings, two, [citizen('C-between', DECIDED + 1, ...keys), citizen('C-after', later + 1, ...keys)])).toEqual([
      { observation_id: 'obs-early', citizen_id: 'C-between', corrected: false },
      { observation_id: 'obs-early', citizen_id: 'C-after', corrected: false },
      { observation_id: 'obs-late', citizen_id: 'C-after', corrected: false },
    ]);
  });

  it('pairs a record with a citizen whose identity changed since its decision, saying so', () => {
    const corrected = { ...citizen('C-4', DECIDED + 1, ['dob_family', '2026-01-15|tran'], ['family_given_year', 'tran|mai|2026']), corrected: true };
    expect(recentPairs(settings, rows, [corrected])).toEqual([{ observation_id: 'obs-a', citizen_id: 'C-4', corrected: true }]);
  });

  it('pairs a record with a citizen corrected within the margin before its decision, as seen by it', () => {
    const corrected = { ...citizen('C-5', DECIDED - 1, ['dob_family', '2026-01-15|tran'], ['family_given_year', 'tran|mai|2026']), corrected: true };
    expect(recentPairs(settings, rows, [corrected])).toEqual([{ observation_id: 'obs-a', citizen_id: 'C-5', corrected: false }]);
  });

  it('bounds the registrations read by the oldest decision less the margin', () => {
    expect(registeredSinceBound([row('obs-a', 'r', 'k', DECIDED + 500), row('obs-b', 'r', 'k', DECIDED)])).toBe(DECIDED - REGISTRATION_CLOCK_MARGIN_MS);
  });
});

describe('whether a citizen registered or changed since a decision may be its record’s person', () => {
  it('counts a registered citizen the decision had not among its candidates', () => {
    expect(unseenInReach([{ observation_id: 'obs-a', citizen_id: 'C-1', corrected: false }], 'obs-a', new Set(['C-2']))).toBe(true);
  });

  it('leaves out a registered citizen the decision had among its candidates', () => {
    expect(unseenInReach([{ observation_id: 'obs-a', citizen_id: 'C-1', corrected: false }], 'obs-a', new Set(['C-1']))).toBe(false);
  });

  it('counts a candidate whose identity changed since: the decision saw them as they were', () => {
    expect(unseenInReach([{ observation_id: 'obs-a', citizen_id: 'C-1', corrected: true }], 'obs-a', new Set(['C-1']))).toBe(true);
  });

  it('leaves out a pair of another record', () => {
    expect(unseenInReach([{ observation_id: 'obs-b', citizen_id: 'C-1', corrected: true }], 'obs-a', new Set())).toBe(false);
  });
});
