import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { personToMatchRecord, toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { citizenAsPerson, type CitizenRow } from '../../services/shared/register/citizen-row.js';
import { decideObservation } from '../../services/shared/register/observation-verdict.js';
import { isStandingLinkCase } from '../../services/shared/store/review-case.js';
import type { PersonObservation } from '../../services/shared/schemas/records.js';
import { CIVIL_STATUS_SOURCE } from '../../services/shared/sources/civil-status.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { REGISTERED_TU } from '../helpers/citizen-fixtures.js';

/** Two invented namesakes of the same year; the record is about Tú, without his ID. */
const citizen = (citizen_id: string, overrides: Partial<CitizenRow> = {}): CitizenRow => ({
  ...REGISTERED_TU,
  citizen_id,
  personal_id: citizen_id,
  date_of_birth: '1990-05-02',
  dob_precision: 'DAY',
  address: 'Số 4 Trần Phú, Hà Đông, Hà Nội',
  ...overrides,
});
const TU = citizen('001090004417');
/** Tú's father, registered; his son Khang's vaccination carries the father's ID, and Khang is not registered yet. */
const FATHER = citizen('001062000555', { full_name: 'Hoàng Văn Bình', given_name: 'Bình', name_key: 'hoang van binh', date_of_birth: '1962-08-14' });
const NAMESAKE = citizen('038090112093', { date_of_birth: '1990-11-23', address: 'Thôn 3, xã Quảng Xương, Thanh Hóa' });

function observation(source: string, eventType: string): PersonObservation {
  return {
    observation_id: `obs-${source}`,
    source,
    source_system: 'synthetic',
    source_record_id: 'R-1',
    source_topic: 't',
    source_partition: 0,
    source_offset: '0',
    change_type: 'CREATE',
    event_type: eventType,
    event_time: 1,
    source_timestamp: 1,
    ingested_at: 1,
    person: { ...citizenAsPerson(TU), personal_id: null, legacy_id: null },
    date_of_death: null,
    event_date: null,
    attributes: {},
    findings: [],
    attempt: 0,
  };
}

const background = generatePopulation(500, 31).map((c) => toMatchRecord(c.citizen_id, c));
const { engine, source } = inMemoryLinkage(loadSettings(), [
  ...background,
  ...[TU, NAMESAKE, FATHER].map((row) => personToMatchRecord(row.citizen_id, citizenAsPerson(row))),
]);

function decide(of: PersonObservation, known: Parameters<typeof decideObservation>[4] = {}) {
  const record = personToMatchRecord(of.observation_id, of.person);
  return decideObservation(engine, of, record, source.candidatesOf(record), known);
}

describe('the decision for one observation', () => {
  it('links the record to the citizen its evidence points to when nothing is known of it', () => {
    const verdict = decide(observation('vaccination', 'VACCINATION'));
    expect([verdict.decision, verdict.citizenId, verdict.method]).toEqual(['LINK', TU.citizen_id, 'PROBABILISTIC']);
  });

  it("follows a steward's must-link whatever the candidates say", () => {
    const verdict = decide(observation('vaccination', 'VACCINATION'), { mustLink: NAMESAKE });
    expect([verdict.decision, verdict.citizenId, verdict.method, verdict.reason]).toEqual(['LINK', NAMESAKE.citizen_id, 'STEWARD', 'STEWARD_MUST_LINK']);
  });

  it('links a later event of a source record to the citizen its earlier event was linked to', () => {
    const verdict = decide(observation('vaccination', 'VACCINATION'), { earlier: NAMESAKE });
    expect([verdict.citizenId, verdict.method, verdict.reason]).toEqual([NAMESAKE.citizen_id, 'DETERMINISTIC', 'SOURCE_RECORD_LINKED']);
  });

  it("decides again, without the citizen, when a steward said the earlier link's citizen is not this person", () => {
    const verdict = decide(observation('vaccination', 'VACCINATION'), { earlier: TU, cannotLink: new Set([TU.citizen_id]) });
    expect(verdict.method).toBe('PROBABILISTIC');
    expect(verdict.citizenId).not.toBe(TU.citizen_id);
  });

  it('keeps a record that matches no one unlinked, since only a birth registration creates a citizen', () => {
    const verdict = decide(observation('vaccination', 'VACCINATION'), { cannotLink: new Set([TU.citizen_id, NAMESAKE.citizen_id]) });
    expect([verdict.decision, verdict.reason]).toEqual(['UNLINKED', 'NO_MATCH']);
  });

  it('lets a birth registration that matches no one create a citizen', () => {
    const verdict = decide(observation(CIVIL_STATUS_SOURCE, 'BIRTH_REGISTRATION'), { cannotLink: new Set([TU.citizen_id, NAMESAKE.citizen_id]) });
    expect(verdict.decision).toBe('NEW');
  });

  const newborn = (of: PersonObservation): PersonObservation => ({
    ...of,
    person: {
      ...citizenAsPerson(
        citizen('not-registered', {
          full_name: 'Hoàng Minh Khang',
          name_key: 'hoang minh khang',
          middle_name: 'Minh',
          given_name: 'Khang',
          date_of_birth: '2026-03-09',
        }),
      ),
      personal_id: FATHER.personal_id,
    },
  });

  it("keeps a newborn's vaccination that carries his father's ID unlinked, naming the guardian's ID, until the child is registered", () => {
    const verdict = decide(newborn(observation('vaccination', 'VACCINATION')));
    expect([verdict.decision, verdict.reason, verdict.citizenId]).toEqual(['UNLINKED', 'GUARDIAN_ID', null]);
  });

  it("sends a birth registration that carries the father's ID to a steward rather than create a citizen with it", () => {
    const verdict = decide(newborn(observation(CIVIL_STATUS_SOURCE, 'BIRTH_REGISTRATION')));
    expect([verdict.decision, verdict.reason]).toEqual(['REVIEW', 'GUARDIAN_ID']);
  });

  /** A later event of a record linked to Tú that carries the given content, with Tú's ID or another. */
  const followUp = (person: Partial<PersonObservation['person']>, change: PersonObservation['change_type'] = 'UPDATE'): PersonObservation => ({
    ...observation('vaccination', 'VACCINATION'),
    change_type: change,
    person: { ...citizenAsPerson(TU), legacy_id: null, ...person },
  });
  /** Tú's twin brother Tùng: the next ID, another given name, the same birth date. */
  const twin = { personal_id: '001090004418', full_name: 'Hoàng Văn Tùng', name_key: 'hoang van tung', given_name: 'Tùng' };
  /** Someone else under Tú's ID: a woman born fifteen years earlier. */
  const stranger = {
    full_name: 'Lê Thị Hồng',
    name_key: 'le thi hong',
    family_name: 'Lê',
    middle_name: 'Thị',
    given_name: 'Hồng',
    date_of_birth: { value: '1975-12-30', precision: 'DAY' as const },
    sex: 'FEMALE' as const,
  };

  it("still follows the link when the later event is the record's citizen with a value corrected", () => {
    const verdict = decide(followUp({ address: 'Số 9 Trần Phú, Hà Đông, Hà Nội' }), { earlier: TU });
    expect([verdict.decision, verdict.citizenId, verdict.reason]).toEqual(['LINK', TU.citizen_id, 'SOURCE_RECORD_LINKED']);
  });

  it("sends a later event that a never_link rule forbids linking to the record's citizen (his twin) to a steward as a standing link, naming the citizen first", () => {
    const verdict = decide(followUp(twin), { earlier: TU });
    expect([verdict.decision, verdict.citizenId, verdict.reason]).toEqual(['REVIEW', null, 'LINKED_RECORD_CONTRADICTED']);
    expect(verdict.candidates[0]?.citizen_id).toBe(TU.citizen_id);
    expect(isStandingLinkCase(verdict)).toBe(true);
  });

  it('names the never_link rule that forbids the later event in its summary', () => {
    expect(decide(followUp(twin), { earlier: TU }).explanation?.summary).toMatch(/never_link rule "twins" holds/);
  });

  it("sends a later event that carries the record's citizen's ID for his newborn son (a guardian's ID) to a steward, naming the guardian_id rule", () => {
    const verdict = decide(newborn(followUp({})), { earlier: FATHER });
    expect([verdict.decision, verdict.reason, verdict.candidates[0]?.citizen_id]).toEqual(['REVIEW', 'LINKED_RECORD_CONTRADICTED', FATHER.citizen_id]);
    expect(verdict.explanation?.summary).toMatch(/guardian_id rule holds/);
  });

  it("sends a later event whose name and date of birth both contradict the record's citizen, under his ID, to a steward, naming the contradiction", () => {
    const verdict = decide(followUp(stranger), { earlier: TU });
    expect([verdict.decision, verdict.reason, verdict.candidates[0]?.citizen_id]).toEqual(['REVIEW', 'LINKED_RECORD_CONTRADICTED', TU.citizen_id]);
    expect(verdict.explanation?.summary).toMatch(/contradiction_guard rule holds/);
  });

  it('lets the deletion of a linked record follow the link whatever it carries', () => {
    const verdict = decide(followUp(twin, 'DELETE'), { earlier: TU });
    expect([verdict.decision, verdict.citizenId, verdict.reason]).toEqual(['LINK', TU.citizen_id, 'SOURCE_RECORD_LINKED']);
  });
});

describe('the candidates a later event of a linked record offers a steward', () => {
  it("names no citizen a steward said the record is not, besides the record's own", () => {
    const twinOfTu = {
      ...citizenAsPerson(TU),
      legacy_id: null,
      personal_id: '001090004418',
      full_name: 'Hoàng Văn Tùng',
      name_key: 'hoang van tung',
      given_name: 'Tùng',
    };
    const later: PersonObservation = { ...observation('vaccination', 'VACCINATION'), change_type: 'UPDATE', person: twinOfTu };
    const record = personToMatchRecord(later.observation_id, later.person);
    const candidates = [TU, NAMESAKE].map((row) => personToMatchRecord(row.citizen_id, citizenAsPerson(row)));
    const offered = (cannotLink?: Set<string>) =>
      decideObservation(engine, later, record, candidates, { earlier: TU, cannotLink }).candidates.map((c) => c.citizen_id);
    expect(offered()).toEqual([TU.citizen_id, NAMESAKE.citizen_id]);
    expect(offered(new Set([NAMESAKE.citizen_id]))).toEqual([TU.citizen_id]);
  });
});
