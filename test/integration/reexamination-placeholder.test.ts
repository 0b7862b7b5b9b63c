import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import type { CivilStatusEvent, VaccinationEvent } from '../../services/shared/schemas/records.js';
import type { SyntheticCitizen } from '../../services/shared/synth/population.js';
import { birthRegistration, personOf, sexInVietnamese, vaccinationEvent } from '../fixtures/sector-events.js';
import { testLogger } from '../helpers/real-stack.js';
import { startStewardRun, StewardClient, type StewardRun } from '../helpers/steward-run.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * A record is out of reach of a change to the register when it carries its citizen's own
 * personal ID: no other citizen can hold it. A placeholder settles nothing, though: a register
 * copied from a sector's holds citizens with 000000000000, and a record carrying it is linked to
 * one of them on its name, date and address alone. Invented people: a girl loaded with the
 * placeholder, her vaccination carrying it too, then her twin sister's birth registration, which
 * creates a citizen sharing her keys (date of birth with family name, with house number). The
 * sisters' given names are far apart: twins whose names differ by a letter, one of them holding
 * the placeholder, are linked (docs/BENCHMARKS.md, "Placeholder IDs").
 */
const PLACEHOLDER = '000000000000';

const HOLDER: SyntheticCitizen = {
  citizen_id: 'SECTOR-COPY-7',
  personal_id: PLACEHOLDER,
  full_name: 'Lò Thị Ngọc Hân',
  date_of_birth: '2019-03-17',
  sex: 'FEMALE',
  address: 'Số 41 bản Hua Pục, xã Mường Giôn, Sơn La',
};
const TWIN: SyntheticCitizen = { ...HOLDER, citizen_id: '014319640275', personal_id: '014319640275', full_name: 'Lò Thị Thu Trang' };

const vaccination: VaccinationEvent = vaccinationEvent(personOf(HOLDER, { sex: sexInVietnamese(HOLDER.sex), address: HOLDER.address }), 'VAX-PLACEHOLDER', {
  source_system: 'tiemchung-synthetic',
  vaccination: { vaccine_code: 'MR', facility: 'Trạm y tế xã Mường Giôn' },
});
const twinsBirth: CivilStatusEvent = birthRegistration(personOf(TWIN, { sex: 'Nữ', address: TWIN.address }), `KS-${TWIN.personal_id}`, {
  source_system: 'hotich-synthetic',
  birth: { place_of_birth: 'Sơn La', ethnicity: 'Thái' },
});

describe('a record carrying a placeholder ID its citizen holds too, when the register changes near her', () => {
  let s: StewardRun;
  const linkOf = async (recordId: string) =>
    (
      await s.run.pool.query<{ citizen_id: string; reexamined: boolean }>(
        'select citizen_id, reexamined_at is not null as reexamined from record_links where source_record_id = $1',
        [recordId],
      )
    ).rows[0] ?? null;
  let linkedBefore: { citizen_id: string; reexamined: boolean } | null;

  beforeAll(async () => {
    s = await startStewardRun('reexamine-placeholder', testLogger, {}, [HOLDER]);
    const { run } = s;
    await publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.vaccination, record: 'vaccinationEvent', events: [vaccination] });
    await waitUntil(
      () => linkOf('VAX-PLACEHOLDER'),
      (link) => link !== null,
      60_000,
      'the vaccination linked',
    );
    await run.waitUntilDrained(60_000);
    linkedBefore = await linkOf('VAX-PLACEHOLDER');
    // Her date and address, another name: the birth goes to a steward, who registers the twin.
    await publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.civilStatus, record: 'civilStatusEvent', events: [twinsBirth] });
    const caseOfBirth = () =>
      run.pool
        .query<{ case_id: number }>("select case_id::int as case_id from review_cases where observation->>'source_record_id' = $1 and status = 'OPEN'", [
          twinsBirth.source_record_id,
        ])
        .then((result) => result.rows[0]?.case_id ?? null);
    const caseId = await waitUntil(caseOfBirth, (id) => id !== null, 60_000, "the twin's birth in review");
    const alice = await StewardClient.signIn(s, 'alice');
    await alice.decideAndWait(caseId!, { action: 'NEW', comment: 'her twin sister: her own birth, her own personal ID' });
    await waitUntil(
      () => run.pool.query('select 1 from citizens where citizen_id = $1', [TWIN.citizen_id]).then((result) => result.rowCount),
      (n) => n === 1,
      60_000,
      'the twin registered',
    );
    await run.waitUntilDrained(60_000);
  }, 240_000);

  afterAll(async () => {
    await s?.close();
  });

  it('links the vaccination to the girl holding the placeholder, on her name, date and address', () => {
    expect(linkedBefore).toEqual({ citizen_id: HOLDER.citizen_id, reexamined: false });
  });

  it("counts the vaccination in reach of her twin's registration and sends it back, the placeholder settling nothing", async () => {
    const { rows } = await s.run.pool.query<{ in_reach: number; sent: number }>('select in_reach, sent from register_reexaminations where citizen_id = $1', [
      TWIN.citizen_id,
    ]);
    expect(rows).toEqual([{ in_reach: 1, sent: 1 }]);
  });

  it('leaves the vaccination linked to her once decided again, beside her twin', async () => {
    expect(await linkOf('VAX-PLACEHOLDER')).toEqual({ citizen_id: HOLDER.citizen_id, reexamined: true });
  });
});
