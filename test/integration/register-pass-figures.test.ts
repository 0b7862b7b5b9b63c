import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idPrefix } from '../../services/shared/normalise/personal-id.js';
import { registerPass, type RegisterPass } from '../../services/shared/reporting/register-quality.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

const id = (sex: 'MALE' | 'FEMALE', year: number, serial: string) => `${idPrefix('001', sex, year)}${serial}`;

/** Invented citizens, each breaking (or not) what the pass counts; the comment says what. */
const CITIZENS: { citizen_id: string; personal_id: string | null; sex: string | null; date_of_birth: string | null; status?: string }[] = [
  { citizen_id: 'C-1', personal_id: id('MALE', 1990, '000001'), sex: 'MALE', date_of_birth: '1990-01-01' }, // fine
  { citizen_id: 'C-2', personal_id: id('MALE', 1990, '000002'), sex: 'FEMALE', date_of_birth: '1990-01-02' }, // sex against the ID
  { citizen_id: 'C-3', personal_id: id('FEMALE', 1985, '000003'), sex: 'FEMALE', date_of_birth: '1986-03-03' }, // year against the ID
  { citizen_id: 'C-4', personal_id: null, sex: 'MALE', date_of_birth: '1950-04-04' }, // no ID; a fact after death
  { citizen_id: 'C-5', personal_id: id('MALE', 1970, '000005'), sex: 'FEMALE', date_of_birth: '1970-05-05' }, // sex against the ID, and a source disagrees
  { citizen_id: 'C-6', personal_id: id('MALE', 1960, '000006'), sex: 'FEMALE', date_of_birth: '1961-06-06', status: 'MERGED' }, // merged: not counted
  { citizen_id: 'C-7', personal_id: id('FEMALE', 2001, '000007'), sex: null, date_of_birth: null }, // nothing to hold the ID against
  { citizen_id: 'C-8', personal_id: id('FEMALE', 1999, '000008'), sex: 'FEMALE', date_of_birth: '1999-08-08' }, // findings of both kinds, one twice
  { citizen_id: 'C-9', personal_id: '000000000000', sex: 'MALE', date_of_birth: '1900-09-09' }, // an ID of no province
];

const FINDINGS: [observation: string, code: string, citizen: string][] = [
  ['obs-1', 'FACT_AFTER_DEATH', 'C-4'],
  ['obs-2', 'SOURCE_DISAGREES_WITH_REGISTER', 'C-5'],
  ['obs-3', 'FACT_AFTER_DEATH', 'C-6'],
  ['obs-4', 'SOURCE_DISAGREES_WITH_REGISTER', 'C-8'],
  ['obs-5', 'SOURCE_DISAGREES_WITH_REGISTER', 'C-8'],
  ['obs-6', 'FACT_AFTER_DEATH', 'C-8'],
  ['obs-7', 'ADDRESS_PROVINCE_MERGED', 'C-1'],
];

describe('the pass over every citizen counts each citizen once, however many rules they break', () => {
  const database = new IsolatedDatabase('register-pass-figures');
  let pass: RegisterPass;

  beforeAll(async () => {
    await database.setUp();
    for (const c of CITIZENS) {
      await database.pool.query(
        `insert into citizens (citizen_id, personal_id, full_name, name_key, family_name, sex, date_of_birth, status, origin)
         values ($1, $2, 'Người Thử', 'nguoi thu', 'Người', $3, $4, $5, 'register')`,
        [c.citizen_id, c.personal_id, c.sex, c.date_of_birth, c.status ?? 'ALIVE'],
      );
    }
    for (const [observation, code, citizen] of FINDINGS) {
      await database.pool.query(
        `insert into quality_findings (observation_id, source, code, field, message, stage, citizen_id) values ($1, 'civil-status', $2, 'date_of_birth', 'invented', 'store', $3)`,
        [observation, code, citizen],
      );
    }
    pass = await registerPass(database.pool);
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('counts the citizens not merged', () => {
    expect(pass.citizens).toBe(8);
  });

  it('counts as failing every citizen breaking a rule of the ID or with a finding against them, once each', () => {
    expect(pass.correct.failingCitizens).toBe(6);
  });

  it('counts each rule’s citizens, the ID’s rules and the findings alike', () => {
    expect(pass.correct.byRule).toEqual([
      { code: 'FACT_AFTER_DEATH', citizens: 2 },
      { code: 'PID_SEX_MISMATCH', citizens: 2 },
      { code: 'SOURCE_DISAGREES_WITH_REGISTER', citizens: 2 },
      { code: 'PID_BIRTH_YEAR_MISMATCH', citizens: 1 },
      { code: 'PID_PROVINCE_UNKNOWN', citizens: 1 },
    ]);
  });

  it('counts each field filled over the citizens not merged', () => {
    const filled = Object.fromEntries(pass.complete.map((field) => [field.field, field.filled]));
    expect(filled).toMatchObject({ full_name: 8, sex: 7, date_of_birth: 7, address: 0 });
  });
});
