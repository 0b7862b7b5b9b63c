import { describe, expect, it } from 'vitest';
import type { PersonObservation } from '../../services/shared/schemas/records.js';
import { planChanges } from '../../services/shared/store/citizen-changes.js';
import type { CitizenRow } from '../../services/shared/store/citizen-row.js';

const CITIZEN: CitizenRow = {
  citizen_id: '001090000001', personal_id: '001090000001', full_name: 'Hoàng Văn Tú', name_key: 'hoang van tu', family_name: 'Hoàng', middle_name: 'Văn', given_name: 'Tú',
  date_of_birth: '1990', dob_precision: 'YEAR', sex: 'MALE', address: null, place_of_birth: 'Hà Nội', ethnicity: null, marital_status: null,
  date_of_death: null, dod_precision: null, status: 'ALIVE',
};

function observation(source: string, eventType: string, person: Partial<PersonObservation['person']> = {}, attributes: Record<string, string> = {}): PersonObservation {
  return {
    observation_id: 'o-1', source, source_system: 's', source_record_id: 'r-1', source_topic: 't', source_partition: 0, source_offset: '0',
    change_type: 'CREATE', event_type: eventType, event_time: 1, source_timestamp: 1, ingested_at: 1,
    person: { personal_id: '001090000001', legacy_id: null, full_name: 'Hoàng Văn Tú', name_key: 'hoang van tu', family_name: 'Hoàng', middle_name: 'Văn', given_name: 'Tú', date_of_birth: { value: '1990', precision: 'YEAR' }, sex: 'MALE', address: null, ...person },
    date_of_death: null, event_date: null, attributes, findings: [], attempt: 0,
  };
}

const fields = (plan: ReturnType<typeof planChanges>) => plan.changes.map((c) => `${c.field}=${c.newValue} (${c.rule})`);

describe('what each source may change in the register', () => {
  it('lets civil status replace an authoritative field', () => {
    const plan = planChanges(CITIZEN, observation('civil-status', 'BIRTH_REGISTRATION', { full_name: 'Hoàng Văn Tuấn', name_key: 'hoang van tuan', given_name: 'Tuấn' }));
    expect(fields(plan)).toContain('full_name=Hoàng Văn Tuấn (authoritative-source)');
  });

  it('never lets another source overwrite an authoritative field, and reports the disagreement', () => {
    const plan = planChanges(CITIZEN, observation('vaccination', 'VACCINATION', { full_name: 'Hoàng Văn Tuấn', sex: 'FEMALE' }));
    expect(plan.changes).toEqual([]);
    expect(plan.findings.map((f) => `${f.code} ${f.field}`)).toEqual(['SOURCE_DISAGREES_WITH_REGISTER person.full_name', 'SOURCE_DISAGREES_WITH_REGISTER person.sex']);
  });

  it('does not call a name without diacritics a disagreement', () => {
    const plan = planChanges(CITIZEN, observation('driver-licence', 'LICENCE_ISSUED', { full_name: 'Hoang Van Tu' }));
    expect(plan).toEqual({ changes: [], findings: [], stale: [] });
  });

  it('lets another source fill an empty field', () => {
    const plan = planChanges(CITIZEN, observation('social-welfare', 'BENEFIT_ENROLMENT', { address: 'Số 1 Lê Lợi, Hà Nội' }));
    expect(fields(plan)).toEqual(['address=Số 1 Lê Lợi, Hà Nội (fills-empty-field)']);
  });

  it('lets another source make a date of birth more precise when it agrees with the register', () => {
    const plan = planChanges(CITIZEN, observation('vaccination', 'VACCINATION', { date_of_birth: { value: '1990-02-02', precision: 'DAY' } }));
    expect(fields(plan)).toEqual(['date_of_birth=1990-02-02 (fills-empty-field)']);
  });

  it('keeps the register date of birth when another source gives a different year', () => {
    const plan = planChanges(CITIZEN, observation('vaccination', 'VACCINATION', { date_of_birth: { value: '1991-02-02', precision: 'DAY' } }));
    expect(plan.changes).toEqual([]);
    expect(plan.findings.map((f) => f.field)).toEqual(['person.date_of_birth']);
  });

  it('lets no source but civil status record a death or a marriage', () => {
    const other = observation('social-welfare', 'BENEFIT_TERMINATION', {}, { marital_status: 'MARRIED' });
    expect(planChanges(CITIZEN, other).changes).toEqual([]);
    const death = { ...observation('civil-status', 'DEATH_REGISTRATION'), date_of_death: { value: '2026-11-10', precision: 'DAY' as const } };
    expect(fields(planChanges(CITIZEN, death))).toEqual(['date_of_death=2026-11-10 (authoritative-source)']);
  });

  it('applies a change registration to the changed field only', () => {
    const change = observation('civil-status', 'CHANGE_REGISTRATION', { full_name: 'Hoàng Văn Tú', address: 'Số 9, Huế' }, { changed_field: 'full_name', new_value: 'Hoàng Minh Tú' });
    expect(fields(planChanges(CITIZEN, change))).toEqual(['full_name=Hoàng Minh Tú (authoritative-source)']);
  });

  it('keeps the register value when civil status sends an older event for the field, for the history only', () => {
    const change = { ...observation('civil-status', 'CHANGE_REGISTRATION', {}, { changed_field: 'full_name', new_value: 'Hoàng Minh Tú' }), event_time: 1_000 };
    const plan = planChanges(CITIZEN, change, { full_name: 2_000 });
    expect(plan.changes).toEqual([]);
    expect(plan.stale.map((c) => `${c.field}=${c.newValue} (${c.rule})`)).toEqual(['full_name=Hoàng Minh Tú (older-than-current)']);
  });

  it('replaces the register value with a civil-status event newer than the one it came from', () => {
    const change = { ...observation('civil-status', 'CHANGE_REGISTRATION', {}, { changed_field: 'full_name', new_value: 'Hoàng Minh Tú' }), event_time: 3_000 };
    expect(fields(planChanges(CITIZEN, change, { full_name: 2_000 }))).toEqual(['full_name=Hoàng Minh Tú (authoritative-source)']);
  });
});
