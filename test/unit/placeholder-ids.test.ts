import { describe, expect, it } from 'vitest';
import type { RawPerson } from '../../services/shared/linkage/match-record.js';
import { observationKey, toObservation } from '../../services/shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';
import { vaccinationEvent } from '../fixtures/sector-events.js';
import { committedLinkage } from '../helpers/committed-linkage.js';

/** A personal ID that begins with no province code is no one's: a placeholder a sector typed to fill the field. Synthetic people only. */
const linkage = committedLinkage(47);
const lan: RawPerson = {
  personal_id: '036190004321',
  full_name: 'Trần Thị Lan',
  date_of_birth: '1990-08-21',
  sex: 'F',
  address: 'Số 4, đường Trần Phú, Nam Định',
};
const record: RawPerson = { full_name: 'TRAN THI LAN', date_of_birth: '21/08/1990', sex: 'Nữ' };

const idLevel = (recordId: string, citizenId: string) =>
  linkage.levelOf('personal_id', { ...record, personal_id: recordId }, { ...lan, personal_id: citizenId });

function decide(person: RawPerson) {
  const { decision, citizenId, score } = linkage.decide({ 'C-LAN': lan }, person);
  return { decision, citizenId, score };
}

describe('a personal ID that begins with no province code', () => {
  it('is counted neither for nor against the citizen', () => {
    expect(idLevel('000000000000', lan.personal_id!)).toBe('no_province');
  });

  it('leaves a record decided as the same record without an ID', () => {
    expect(decide({ ...record, personal_id: '000000000000' })).toEqual(decide(record));
  });

  it('still agrees one digit off with its holder when a province digit was mistyped', () => {
    expect(idLevel('936190004321', lan.personal_id!)).toBe('one_digit_off');
  });

  it('is no evidence between two records that both carry it', () => {
    expect(idLevel('123456789012', '123456789012')).toBe('no_province');
  });
});

describe('an ID that begins with a province code', () => {
  it('is counted against a citizen whose ID it is not', () => {
    expect(idLevel('001085009999', lan.personal_id!)).toBe('else');
  });

  it('is not judged by its first digits when it is not a 12-digit personal ID (FEBRL gives 7)', () => {
    expect(idLevel('9990001', '5304218')).toBe('else');
  });
});

/** A vaccination carrying `personalId`, as ingest makes it an observation. */
function observe(personalId: string) {
  const event = vaccinationEvent({ personal_id: personalId, full_name: 'Tran Thi Lan', date_of_birth: '1990-08-21', sex: 'F', address: null }, 'TC-7');
  return toObservation(SOURCE_ADAPTERS.vaccination, event, { topic: 't', partition: 0, offset: '1' }, new Date());
}

describe("an event's partition key", () => {
  it("is the person's personal ID, so one person's events stay in order", () => {
    expect(observationKey(observe('036190004321'))).toBe('036190004321');
  });

  it('is the record itself for a placeholder ID, so placeholders do not crowd one partition', () => {
    expect(observationKey(observe('000000000000'))).toBe('tiemchung-test:TC-7');
  });
});
