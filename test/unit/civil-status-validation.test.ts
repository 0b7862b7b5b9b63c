import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../services/shared/errors.js';
import type { CivilStatusEvent } from '../../services/shared/schemas/records.js';
import { civilStatusAdapter } from '../../services/shared/sources/civil-status.js';
import { toObservation, type SourcePosition } from '../../services/shared/sources/sector-event.js';
import { birthRegistration } from '../fixtures/sector-events.js';

const civilStatusToObservation = (event: unknown, position: SourcePosition, now: Date) => toObservation(civilStatusAdapter, event, position, now);

const NOW = new Date('2026-11-20T00:00:00Z');
const POSITION = { topic: 'sector.civil-status.v1', partition: 0, offset: '42' };

const birth = (overrides: Partial<CivilStatusEvent['person']> = {}): CivilStatusEvent =>
  birthRegistration(
    { personal_id: '001326000123', full_name: 'TRẦN THỊ HOÀ', date_of_birth: '02/11/2026', sex: 'Nữ', address: 'Hà Nội', ...overrides },
    'KS-1',
    { event_time: NOW.getTime() - 1000, registration_date: '2026-11-19' },
  );

function issueCodes(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => issue.code);
    throw error;
  }
  return [];
}

describe('civil-status events', () => {
  it('turns a valid birth into a normalised observation', () => {
    const observation = civilStatusToObservation(birth(), POSITION, NOW);
    expect(observation.person).toMatchObject({
      personal_id: '001326000123',
      full_name: 'Trần Thị Hòa',
      date_of_birth: { value: '2026-11-02', precision: 'DAY' },
      sex: 'FEMALE',
    });
  });

  it('gives the same observation id to the same event read twice', () => {
    const first = civilStatusToObservation(birth(), POSITION, NOW);
    const again = civilStatusToObservation(birth(), { ...POSITION, offset: '99' }, NOW);
    expect(again.observation_id).toBe(first.observation_id);
  });

  it('gives two events of one record sent in the same millisecond with different content two observation ids', () => {
    const first = civilStatusToObservation(birth(), POSITION, NOW);
    const corrected = civilStatusToObservation(birth({ full_name: 'TRẦN THỊ HOÀI' }), { ...POSITION, offset: '43' }, NOW);
    expect(corrected.observation_id).not.toBe(first.observation_id);
  });

  it('reports every problem of an event together', () => {
    expect(issueCodes(() => civilStatusToObservation(birth({ full_name: '', personal_id: 'x1', date_of_birth: 'ngày mai' }), POSITION, NOW))).toEqual([
      'NAME_MISSING',
      'DOB_UNPARSEABLE',
      'PID_FORMAT',
    ]);
  });

  it('requires the full date of birth on a birth registration', () => {
    expect(issueCodes(() => civilStatusToObservation(birth({ date_of_birth: '2026' }), POSITION, NOW))).toEqual(['BIRTH_DATE_REQUIRED']);
  });

  it('requires death details on a death registration', () => {
    const event = { ...birth(), event_type: 'DEATH_REGISTRATION' as const, birth: null };
    expect(issueCodes(() => civilStatusToObservation(event, POSITION, NOW))).toEqual(['DEATH_DETAILS_REQUIRED']);
  });

  it('refuses a date of death before the date of birth', () => {
    const event: CivilStatusEvent = {
      ...birth({ date_of_birth: '1950' }),
      event_type: 'DEATH_REGISTRATION',
      birth: null,
      death: { date_of_death: '1949-12-31', place_of_death: null, cause: null },
    };
    expect(issueCodes(() => civilStatusToObservation(event, POSITION, NOW))).toEqual(['DOD_BEFORE_DOB']);
  });

  it('keeps a soft finding when the ID disagrees with the sex, without rejecting', () => {
    const observation = civilStatusToObservation(birth({ sex: 'Nam' }), POSITION, NOW);
    expect(observation.findings.map((finding) => finding.code)).toEqual(['PID_SEX_MISMATCH']);
  });

  it('refuses a record of another shape with the fields at fault', () => {
    const issues = issueCodes(() => civilStatusToObservation({ update_id: 'u', citizen_id: 'c' }, POSITION, NOW));
    expect(issues.length).toBeGreaterThan(3);
  });

  it('names the record and its position in the error', () => {
    try {
      civilStatusToObservation(birth({ full_name: null }), POSITION, NOW);
      expect.fail('the event should be refused');
    } catch (error) {
      expect((error as ValidationError).context).toEqual({ ...POSITION, recordId: 'KS-1', sourceSystem: 'hotich-test' });
    }
  });
});
