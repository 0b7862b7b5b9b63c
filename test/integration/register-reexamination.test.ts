import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import type { CivilStatusEvent, VaccinationEvent } from '../../services/shared/schemas/records.js';
import type { SyntheticCitizen } from '../../services/shared/synth/population.js';
import { birthRegistration, nameChangeRegistration, personOf, sexInVietnamese, vaccinationEvent } from '../fixtures/sector-events.js';
import { testLogger } from '../helpers/real-stack.js';
import { startStewardRun, StewardClient, type StewardRun } from '../helpers/steward-run.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Links re-examined when the register changes, with invented people of three families, each in
 * its own village and born on its own day:
 * - a newborn's vaccination arrives before her birth registration, and waits; the birth
 *   registers her, and the vaccination links to her;
 * - a man registered with a wrong date of birth: his vaccination, written with the right date
 *   and no ID, cannot be linked to him; civil status corrects the date, and the vaccination
 *   links to him;
 * - a girl's birth goes to review beside her registered sister, and a steward decides she is a
 *   new citizen (a cannot-link to the sister); the sister's name is then corrected, which puts
 *   the girl's birth record in reach: the steward's decision stands.
 */
const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

const NEWBORN: SyntheticCitizen = {
  citizen_id: '001326418207',
  personal_id: '001326418207',
  full_name: 'Lường Thị Ngọc Diệp',
  date_of_birth: daysAgo(12),
  sex: 'FEMALE',
  address: 'Số 7 bản Co Mạ, xã Co Mạ, Sơn La',
};

/** Registered with another person's date of birth: nothing of it is right. */
const MISTYPED: SyntheticCitizen = {
  citizen_id: '014075930561',
  personal_id: '014075930561',
  full_name: 'Cầm Văn Tuấn',
  date_of_birth: '1968-11-03',
  sex: 'MALE',
  address: 'Số 12 bản Nà Sài, xã Chiềng Pấc, Sơn La',
};
const TRUE_BIRTH_DATE = '1975-04-12';

const SISTER: SyntheticCitizen = {
  citizen_id: '001326275934',
  personal_id: '001326275934',
  full_name: 'Hà Thị Mai Anh',
  date_of_birth: daysAgo(30),
  sex: 'FEMALE',
  address: 'Số 3 bản Pá Hốc, xã Tà Hộc, Sơn La',
};
const SECOND_GIRL: SyntheticCitizen = { ...SISTER, citizen_id: '001326602718', personal_id: '001326602718', full_name: 'Hà Thị Mai Chi' };

const vaccination = (person: SyntheticCitizen, recordId: string, born: string): VaccinationEvent =>
  vaccinationEvent(personOf(person, { personal_id: null, date_of_birth: born, sex: sexInVietnamese(person.sex), address: person.address }), recordId, {
    source_system: 'tiemchung-synthetic',
    event_time: Date.now() - 3_600_000,
    vaccination: { vaccine_code: 'BCG', date_administered: born, facility: 'Trạm y tế xã', lot_number: 'L2026' },
  });

const birth = (girl: SyntheticCitizen): CivilStatusEvent =>
  birthRegistration(personOf(girl, { sex: 'Nữ', address: girl.address }), `KS-${girl.personal_id}`, {
    source_system: 'hotich-synthetic',
    birth: { place_of_birth: 'Sơn La', ethnicity: 'Thái' },
  });

/** Civil status corrects the date of birth of the person its record names by their ID. */
const dateOfBirthCorrection = (person: SyntheticCitizen, newDate: string): CivilStatusEvent => ({
  ...nameChangeRegistration(personOf(person, { address: person.address }), `CC-${person.personal_id}`, person.full_name, { source_system: 'hotich-synthetic' }),
  change: { field: 'DATE_OF_BIRTH', new_value: newDate, effective_date: null },
});

interface Reexamination {
  trigger: string;
  citizen_id: string;
  in_reach: number;
  sent: number;
  over_bound: number;
  steward_held: number;
}

describe('records in reach decided again when a citizen is registered or corrected', () => {
  let s: StewardRun;
  let alice: StewardClient;
  const query = async <T extends object>(sql: string, params: unknown[] = []) => (await s.run.pool.query<T>(sql, params)).rows;
  const linkOf = async (recordId: string) =>
    (await query<{ citizen_id: string; method: string }>('select citizen_id, method from record_links where source_record_id = $1', [recordId]))[0] ?? null;
  const heldNow = async (recordId: string) =>
    (
      await query<{ n: number }>(
        `select ((select count(*) from unlinked_records where resolved_at is null and source_record_id = $1)
              + (select count(*) from review_cases where status <> 'DECIDED' and observation->>'source_record_id' = $1))::int as n`,
        [recordId],
      )
    )[0]!.n;
  const reexaminationsOf = (citizenId: string) =>
    query<Reexamination>(
      'select trigger, citizen_id, in_reach, sent, over_bound, steward_held from register_reexaminations where citizen_id = $1 order by id',
      [citizenId],
    );
  const publish = (topic: 'vaccination' | 'civilStatus', events: (VaccinationEvent | CivilStatusEvent)[]) =>
    publishEvents({
      producer: s.run.producer,
      registry: s.run.registry,
      topic: s.run.topics[topic],
      record: topic === 'vaccination' ? 'vaccinationEvent' : 'civilStatusEvent',
      events,
    });
  let heldBefore: { newborn: number; mistyped: number };

  beforeAll(async () => {
    s = await startStewardRun('reexamine', testLogger, {}, [MISTYPED, SISTER]);
    alice = await StewardClient.signIn(s, 'alice');
    await publish('vaccination', [vaccination(NEWBORN, 'VAX-NEWBORN', NEWBORN.date_of_birth), vaccination(MISTYPED, 'VAX-MISTYPED', TRUE_BIRTH_DATE)]);
    await publish('civilStatus', [birth(SECOND_GIRL)]);
    await waitUntil(
      async () => (await heldNow('VAX-NEWBORN')) + (await heldNow('VAX-MISTYPED')) + (await heldNow(`KS-${SECOND_GIRL.personal_id}`)),
      (n) => n === 3,
      60_000,
      'both vaccinations held and the second birth in review',
    );
    await s.run.waitUntilDrained(60_000);
    heldBefore = { newborn: await heldNow('VAX-NEWBORN'), mistyped: await heldNow('VAX-MISTYPED') };
    const [secondBirth] = await query<{ case_id: number }>(`select case_id::int as case_id from review_cases where observation->>'source_record_id' = $1`, [
      `KS-${SECOND_GIRL.personal_id}`,
    ]);
    await alice.decideAndWait(secondBirth!.case_id, { action: 'NEW', comment: 'a sister of the registered girl: her own birth, her own personal ID' });
    await publish('civilStatus', [
      birth(NEWBORN),
      dateOfBirthCorrection(MISTYPED, TRUE_BIRTH_DATE),
      nameChangeRegistration(personOf(SISTER, { address: SISTER.address }), `CN-${SISTER.personal_id}`, 'Hà Thị Mai Anh Thư', {
        source_system: 'hotich-synthetic',
      }),
    ]);
    await waitUntil(
      async () =>
        (
          await query<{ n: number }>(`select count(*)::int as n from citizens where citizen_id = $1 or (citizen_id = $2 and date_of_birth = $3)`, [
            NEWBORN.citizen_id,
            MISTYPED.citizen_id,
            TRUE_BIRTH_DATE,
          ])
        )[0]!.n,
      (n) => n === 2,
      60_000,
      'the birth registered and the date corrected',
    );
    await s.run.waitUntilDrained(60_000);
  }, 240_000);

  afterAll(async () => {
    await s?.close();
  });

  it('holds the vaccinations while the register has no citizen they can be linked to', () => {
    expect(heldBefore).toEqual({ newborn: 1, mistyped: 1 });
  });

  it("links the newborn's vaccination to her once her birth registers her", async () => {
    expect(await linkOf('VAX-NEWBORN')).toMatchObject({ citizen_id: NEWBORN.citizen_id });
    expect(await heldNow('VAX-NEWBORN')).toBe(0);
  });

  it('links the vaccination to the man once civil status corrects his date of birth, and records the re-examination', async () => {
    expect(await linkOf('VAX-MISTYPED')).toMatchObject({ citizen_id: MISTYPED.citizen_id });
    expect(await heldNow('VAX-MISTYPED')).toBe(0);
    expect(await reexaminationsOf(MISTYPED.citizen_id)).toEqual([
      { trigger: 'CORRECTED', citizen_id: MISTYPED.citizen_id, in_reach: 1, sent: 1, over_bound: 0, steward_held: 0 },
    ]);
  });

  it('audits the re-examination with its trigger on the corrected citizen', async () => {
    const audited = await query<{ trigger: string; sent: string }>(
      `select details->>'trigger' as trigger, details->>'sent' as sent from audit_log where action = 'LINKS_REEXAMINED' and citizen_id = $1`,
      [MISTYPED.citizen_id],
    );
    expect(audited).toEqual([{ trigger: 'CORRECTED', sent: '1' }]);
  });

  it("keeps a steward's new citizen (and their cannot-link to the sister) when the sister's correction puts the record in reach", async () => {
    const reexamined = await reexaminationsOf(SISTER.citizen_id);
    expect(reexamined.map((r) => [r.trigger, r.sent, r.steward_held])).toEqual([['CORRECTED', 0, 1]]);
    expect(await linkOf(`KS-${SECOND_GIRL.personal_id}`)).toEqual({ citizen_id: SECOND_GIRL.citizen_id, method: 'STEWARD' });
    expect(await heldNow(`KS-${SECOND_GIRL.personal_id}`)).toBe(0);
  });
});
