import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PersonObservation } from '../../services/shared/schemas/records.js';
import { planChanges, withChange, type ClaimHistory } from '../../services/shared/register/citizen-changes.js';
import type { CitizenRow } from '../../services/shared/register/citizen-row.js';
import { REGISTERED_TU } from '../helpers/citizen-fixtures.js';
import {
  chooseValue,
  loadSurvivorship,
  parseSurvivorship,
  REGISTER_FIELDS,
  type Claim,
  type RegisterField,
} from '../../services/shared/register/survivorship.js';

const RULES = loadSurvivorship();

const CITIZEN = REGISTERED_TU;

function observation(
  source: string,
  eventType: string,
  person: Partial<PersonObservation['person']> = {},
  attributes: Record<string, string> = {},
  eventTime = 1,
): PersonObservation {
  return {
    observation_id: `o-${source}-${eventTime}`,
    source,
    source_system: 's',
    source_record_id: 'r-1',
    source_topic: 't',
    source_partition: 0,
    source_offset: '0',
    change_type: 'CREATE',
    event_type: eventType,
    event_time: eventTime,
    source_timestamp: 1,
    ingested_at: 1,
    person: {
      personal_id: '001090000001',
      legacy_id: null,
      full_name: 'Hoàng Văn Tú',
      name_key: 'hoang van tu',
      family_name: 'Hoàng',
      middle_name: 'Văn',
      given_name: 'Tú',
      date_of_birth: { value: '1990', precision: 'YEAR' },
      sex: 'MALE',
      address: null,
      ...person,
    },
    date_of_death: null,
    event_date: null,
    attributes,
    findings: [],
    attempt: 0,
  };
}

const changed = (plan: ReturnType<typeof planChanges>) => plan.changes.map((c) => `${c.field}=${c.newValue} (${c.rule})`);

/** Applies observations one after another as the store does: claims join the history, changes rewrite the row. */
function applyInOrder(citizen: CitizenRow, observations: PersonObservation[]): { row: CitizenRow; history: ClaimHistory } {
  let row = citizen;
  const history: Partial<Record<RegisterField, Claim[]>> = {};
  for (const o of observations) {
    const plan = planChanges(row, o, history, RULES);
    for (const added of plan.claims) (history[added.field] ??= []).push(added.claim);
    for (const change of plan.changes) row = withChange(row, change);
  }
  return { row, history };
}

describe('survivorship: which value of a citizen field is current', () => {
  it('lets a civil-status event replace the register value it is newer than', () => {
    const plan = planChanges(CITIZEN, observation('civil-status', 'BIRTH_REGISTRATION', { full_name: 'Hoàng Văn Tuấn' }), {}, RULES);
    expect(changed(plan)).toContain('full_name=Hoàng Văn Tuấn (recency)');
  });

  it('keeps the register value against a lower-authority source and reports the disagreement', () => {
    const plan = planChanges(CITIZEN, observation('vaccination', 'VACCINATION', { full_name: 'Hoàng Văn Tuấn', sex: 'FEMALE' }), {}, RULES);
    expect(plan.changes).toEqual([]);
    expect(plan.findings.map((f) => `${f.code} ${f.field}`)).toEqual([
      'SOURCE_DISAGREES_WITH_REGISTER person.full_name',
      'SOURCE_DISAGREES_WITH_REGISTER person.sex',
    ]);
  });

  it("gives a citizen created from a lower-authority record (a steward's new citizen) the record's name, not the empty one", () => {
    const empty: CitizenRow = { ...CITIZEN, full_name: '', date_of_birth: null, dob_precision: null, sex: null, place_of_birth: null };
    const plan = planChanges(empty, observation('vaccination', 'VACCINATION'), {}, RULES);
    expect(changed(plan)).toContain('full_name=Hoàng Văn Tú (only-claim)');
  });

  it('records the losing value in the history with the rule it lost by', () => {
    const plan = planChanges(CITIZEN, observation('vaccination', 'VACCINATION', { sex: 'FEMALE' }), {}, RULES);
    expect(plan.claims.filter((c) => c.field === 'sex').map((c) => `${c.claim.source}:${c.claim.value} current=${c.isCurrent} (${c.rule})`)).toEqual([
      'register:MALE current=true (source-authority)',
      'vaccination:FEMALE current=false (source-authority)',
    ]);
  });

  it('does not call a name without diacritics a disagreement', () => {
    const plan = planChanges(CITIZEN, observation('driver-licence', 'LICENCE_ISSUED', { full_name: 'Hoang Van Tu' }), {}, RULES);
    expect(plan.changes).toEqual([]);
    expect(plan.findings).toEqual([]);
  });

  it('lets any listed source fill an empty field', () => {
    const plan = planChanges(CITIZEN, observation('social-welfare', 'BENEFIT_ENROLMENT', { address: 'Số 1 Lê Lợi, Hà Nội' }), {}, RULES);
    expect(changed(plan)).toEqual(['address=Số 1 Lê Lợi, Hà Nội (only-claim)']);
  });

  it('takes the newer of two sector addresses but never replaces the register address', () => {
    const older = observation('social-welfare', 'BENEFIT_ENROLMENT', { address: 'Số 1 Lê Lợi, Hà Nội' }, {}, 10);
    const newer = observation('vaccination', 'VACCINATION', { address: 'Số 9 Trần Phú, Huế' }, {}, 20);
    expect(applyInOrder(CITIZEN, [older, newer]).row.address).toBe('Số 9 Trần Phú, Huế');
    expect(applyInOrder({ ...CITIZEN, address: 'Số 5 Hàng Bạc, Hà Nội' }, [older, newer]).row.address).toBe('Số 5 Hàng Bạc, Hà Nội');
  });

  it('makes a date of birth more precise from another source that agrees with it', () => {
    const plan = planChanges(CITIZEN, observation('vaccination', 'VACCINATION', { date_of_birth: { value: '1990-02-02', precision: 'DAY' } }), {}, RULES);
    expect(changed(plan)).toEqual(['date_of_birth=1990-02-02 (refined-by-compatible)']);
  });

  it('keeps the register date of birth when another source gives a different year', () => {
    const plan = planChanges(CITIZEN, observation('vaccination', 'VACCINATION', { date_of_birth: { value: '1991-02-02', precision: 'DAY' } }), {}, RULES);
    expect(plan.changes).toEqual([]);
    expect(plan.findings.map((f) => f.field)).toEqual(['person.date_of_birth']);
  });

  it('lets no source but civil status record a death or a marriage', () => {
    expect(planChanges(CITIZEN, observation('social-welfare', 'BENEFIT_TERMINATION', {}, { marital_status: 'MARRIED' }), {}, RULES).changes).toEqual([]);
    const death = { ...observation('civil-status', 'DEATH_REGISTRATION'), date_of_death: { value: '2026-11-10', precision: 'DAY' as const } };
    expect(changed(planChanges(CITIZEN, death, {}, RULES))).toEqual(['date_of_death=2026-11-10 (only-claim)']);
  });

  it('applies a change registration to the changed field only', () => {
    const change = observation('civil-status', 'CHANGE_REGISTRATION', { address: 'Số 9, Huế' }, { changed_field: 'full_name', new_value: 'Hoàng Minh Tú' });
    expect(changed(planChanges(CITIZEN, change, {}, RULES))).toEqual(['full_name=Hoàng Minh Tú (recency)']);
  });

  it('keeps a newer civil-status value when an older event for the field arrives late, and keeps the older one in the history', () => {
    const newer = observation('civil-status', 'CHANGE_REGISTRATION', {}, { changed_field: 'full_name', new_value: 'Hoàng Minh Tú' }, 2_000);
    const older = observation('civil-status', 'CHANGE_REGISTRATION', {}, { changed_field: 'full_name', new_value: 'Hoàng Văn Tuấn' }, 1_000);
    const { row, history } = applyInOrder(CITIZEN, [newer, older]);
    expect(row.full_name).toBe('Hoàng Minh Tú');
    expect(history.full_name?.map((c) => c.value)).toEqual(['Hoàng Văn Tú', 'Hoàng Minh Tú', 'Hoàng Văn Tuấn']);
  });

  it('ignores a value it has already recorded from the same observation', () => {
    const birth = observation('vaccination', 'VACCINATION', { address: 'Số 1 Lê Lợi, Hà Nội' });
    const { row, history } = applyInOrder(CITIZEN, [birth]);
    expect(planChanges(row, birth, history, RULES)).toEqual({ claims: [], current: [], changes: [], findings: [] });
  });

  it('rejects rules that leave out a field or name an unknown rule', () => {
    const json = JSON.parse(JSON.stringify(RULES)) as { fields: Record<string, { rules: string[] }> };
    json.fields.sex!.rules = ['source-authority', 'loudest'];
    expect(() => parseSurvivorship(json)).toThrow(/fields\.sex\.rules/);
    delete json.fields.address;
    expect(() => parseSurvivorship(json)).toThrow(/fields\.address/);
  });
});

const SOURCES = ['register', 'civil-status', 'social-welfare', 'driver-licence', 'vaccination'];
const claimArbitrary = fc
  .record({
    value: fc.constantFrom('1990', '1990-02', '1990-02-02', '1990-03-04', '1991-05-06', '1991'),
    source: fc.constantFrom(...SOURCES),
    eventTime: fc.integer({ min: 0, max: 5 }),
    observationId: fc.uuid(),
  })
  .map((c): Claim => ({ ...c, precision: c.value.length === 4 ? 'YEAR' : c.value.length === 7 ? 'MONTH' : 'DAY' }));

describe('survivorship does not depend on arrival order', () => {
  it('chooses the same claim from any permutation of the same claims, for every field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REGISTER_FIELDS),
        fc.array(claimArbitrary, { minLength: 1, maxLength: 8 }),
        fc.func(fc.integer()),
        (field, claims, shuffleKey) => {
          const shuffled = [...claims].sort((a, b) => shuffleKey(a.observationId) - shuffleKey(b.observationId));
          expect(chooseValue(RULES.fields[field], shuffled)).toEqual(chooseValue(RULES.fields[field], claims));
        },
      ),
    );
  });

  it('ends with the same register row whatever order the events are applied in', () => {
    const events = fc.array(
      fc.record({
        source: fc.constantFrom('civil-status', 'social-welfare', 'driver-licence', 'vaccination'),
        name: fc.constantFrom('Hoàng Văn Tú', 'Hoang Van Tu', 'Hoàng Minh Tú'),
        dob: fc.constantFrom('1990', '1990-02-02', '1990-02-03', '1991-01-01'),
        sex: fc.constantFrom('MALE' as const, 'FEMALE' as const),
        address: fc.constantFrom(null, 'Số 1 Lê Lợi, Hà Nội', 'Số 9 Trần Phú, Huế'),
        time: fc.integer({ min: 1, max: 4 }),
      }),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(events, fc.func(fc.integer()), fc.boolean(), (specs, shuffleKey, knownAddress) => {
        const observations = specs.map((s, index) => ({
          ...observation(
            s.source,
            s.source === 'civil-status' ? 'BIRTH_REGISTRATION' : 'VACCINATION',
            {
              full_name: s.name,
              sex: s.sex,
              address: s.address,
              date_of_birth: { value: s.dob, precision: s.dob.length === 4 ? ('YEAR' as const) : ('DAY' as const) },
            },
            {},
            s.time,
          ),
          observation_id: `o-${index}`,
        }));
        const start = knownAddress ? { ...CITIZEN, address: 'Số 5 Hàng Bạc, Hà Nội' } : CITIZEN;
        const shuffled = [...observations].sort((a, b) => shuffleKey(a.observation_id) - shuffleKey(b.observation_id));
        expect(applyInOrder(start, shuffled).row).toEqual(applyInOrder(start, observations).row);
      }),
      { numRuns: 500 },
    );
  });
});
