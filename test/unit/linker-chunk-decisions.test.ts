import { describe, expect, it } from 'vitest';
import { decideChunk, type ChunkReads } from '../../services/linker/chunk-decisions.js';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { DETERMINISTIC_RULE } from '../../services/shared/linkage/engine.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import type { CitizenRow } from '../../services/shared/register/citizen-row.js';
import { LINKED_RECORD_CONTRADICTED, SOURCE_RECORD_LINKED } from '../../services/shared/register/observation-verdict.js';
import type { PersonObservation } from '../../services/shared/schemas/records.js';
import { sourceRecordKey, type RecordConstraints } from '../../services/shared/store/citizen-repository.js';
import type { SentBack } from '../../services/shared/store/settings-relinks.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { observation } from '../fixtures/link-decisions.js';

const settings = loadSettings();

/** Invented people: the ID's holder and a namesake born the same day in the same commune, with an ID of her own. */
const HOLDER = {
  personal_id: '001326302542',
  full_name: 'Nguyễn Thị Anh',
  date_of_birth: '2026-05-25',
  sex: 'F',
  address: 'Số 186, thôn 8, xã Thanh Xuân Tây, Hà Nội',
} satisfies RawPerson;
const NAMESAKE = { ...HOLDER, personal_id: '001326777001', address: 'Số 9, thôn 2, xã Thanh Xuân Tây, Hà Nội' } satisfies RawPerson;
/** Another namesake of the commune: only a lookup of every blocking rule finds her, never the ID's first step. */
const THIRD = { ...HOLDER, personal_id: '001326555002', address: 'Số 3, thôn 5, xã Thanh Xuân Tây, Hà Nội' } satisfies RawPerson;
const [HOLDER_ID, NAMESAKE_ID, THIRD_ID] = ['C-HOLDER', 'C-NAMESAKE', 'C-THIRD'];

const { engine, source } = inMemoryLinkage(settings, [
  ...generatePopulation(2000, 41).map((c) => toMatchRecord(c.citizen_id, c)),
  toMatchRecord(HOLDER_ID, HOLDER),
  toMatchRecord(NAMESAKE_ID, NAMESAKE),
  toMatchRecord(THIRD_ID, THIRD),
]);
const linkage = { engine, candidates: source };

/** A vaccination of the namesake carrying the holder's ID: the holder agrees on name, date and sex, so a deterministic link settles it on its first candidates. */
function vaccination(): PersonObservation {
  return observation({
    source: 'vaccination',
    source_system: 'vacc-test',
    event_type: 'VACCINATION',
    person: {
      personal_id: HOLDER.personal_id,
      full_name: HOLDER.full_name,
      name_key: 'nguyen thi anh',
      family_name: 'Nguyễn',
      middle_name: 'Thị',
      given_name: 'Anh',
      date_of_birth: { value: HOLDER.date_of_birth, precision: 'DAY' },
      sex: 'FEMALE',
      address: NAMESAKE.address,
    },
  });
}

const NAMESAKE_ROW: CitizenRow = {
  citizen_id: NAMESAKE_ID,
  personal_id: NAMESAKE.personal_id,
  full_name: NAMESAKE.full_name,
  name_key: 'nguyen thi anh',
  family_name: 'Nguyễn',
  middle_name: 'Thị',
  given_name: 'Anh',
  date_of_birth: NAMESAKE.date_of_birth,
  dob_precision: 'DAY',
  sex: 'FEMALE',
  address: NAMESAKE.address,
  place_of_birth: null,
  ethnicity: null,
  marital_status: null,
  date_of_death: null,
  dod_precision: null,
  status: 'ALIVE',
};

/** What the linker would read of the record: an earlier link, stewards' constraints, a change that sent it back. */
function reads(o: PersonObservation, known: { linkedTo?: CitizenRow; constraints?: RecordConstraints; sentBack?: SentBack } = {}): ChunkReads {
  const key = sourceRecordKey(o);
  return {
    bySourceRecords: async () => new Map(known.linkedTo ? [[key, known.linkedTo]] : []),
    constraintsOf: async () => new Map(known.constraints ? [[key, known.constraints]] : []),
    sentBack: async () => new Map(known.sentBack ? [[o.observation_id, known.sentBack]] : []),
  };
}

async function verdictOn(o: PersonObservation, known: Parameters<typeof reads>[1] = {}) {
  const [decided] = await decideChunk(linkage, reads(o, known), [o]);
  return decided!;
}

describe("the linker's decisions on a chunk", () => {
  it("link a record the ID's holder settles to her, without weighing her namesake", async () => {
    const { verdict } = await verdictOn(vaccination());
    expect(verdict).toMatchObject({ decision: 'LINK', citizenId: HOLDER_ID, reason: DETERMINISTIC_RULE, method: 'DETERMINISTIC' });
    expect(verdict.candidates.map((c) => c.citizen_id)).toEqual([HOLDER_ID]);
  });

  it("weigh a record a steward said is not the ID's holder against every candidate, her namesake among them", async () => {
    const { verdict } = await verdictOn(vaccination(), { constraints: { cannotLink: new Set([HOLDER_ID]), mustLink: null } });
    expect(verdict.citizenId).not.toBe(HOLDER_ID);
    expect(verdict.candidates.map((c) => c.citizen_id)).toContain(NAMESAKE_ID);
  });

  it("link a record a steward said is the namesake to her, whatever the ID's holder would settle", async () => {
    const { verdict } = await verdictOn(vaccination(), { constraints: { cannotLink: new Set(), mustLink: NAMESAKE_ROW } });
    expect(verdict).toMatchObject({ decision: 'LINK', citizenId: NAMESAKE_ID, method: 'STEWARD' });
  });

  it('send a later event of a record linked to the namesake to a steward, as contradicting its link, with every candidate beside her rather than the holder alone', async () => {
    const { verdict, again } = await verdictOn(vaccination(), { linkedTo: NAMESAKE_ROW });
    expect(verdict).toMatchObject({ decision: 'REVIEW', citizenId: null, reason: LINKED_RECORD_CONTRADICTED });
    expect(verdict.candidates[0]!.citizen_id).toBe(NAMESAKE_ID);
    expect(verdict.candidates.map((c) => c.citizen_id)).toEqual(expect.arrayContaining([HOLDER_ID, THIRD_ID]));
    expect(again).toBe(false);
  });

  it('follow the link of a record linked before when its later event agrees with the citizen', async () => {
    const later = vaccination();
    const { verdict } = await verdictOn({ ...later, person: { ...later.person, personal_id: NAMESAKE.personal_id } }, { linkedTo: NAMESAKE_ROW });
    expect(verdict).toMatchObject({ decision: 'LINK', citizenId: NAMESAKE_ID, reason: SOURCE_RECORD_LINKED });
  });

  it('decide afresh a record linked before that a change sent back, its link not taken as given', async () => {
    const { verdict, again } = await verdictOn(vaccination(), { linkedTo: NAMESAKE_ROW, sentBack: { waiting: false } });
    expect(verdict).toMatchObject({ decision: 'LINK', citizenId: HOLDER_ID, reason: DETERMINISTIC_RULE });
    expect(again).toBe(true);
  });

  it('give one verdict per observation, in the order of the chunk', async () => {
    const chunk = [vaccination(), vaccination(), vaccination()];
    const decided = await decideChunk(linkage, reads(chunk[1]!, { constraints: { cannotLink: new Set([HOLDER_ID]), mustLink: null } }), chunk);
    expect(decided.map((d) => d.observation.observation_id)).toEqual(chunk.map((o) => o.observation_id));
    expect(decided.map((d) => d.verdict.citizenId === HOLDER_ID)).toEqual([true, false, true]);
  });
});
