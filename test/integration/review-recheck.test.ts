import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { readTopicSnapshot } from '../../services/shared/kafka/topic-snapshot.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import type { CivilStatusEvent, PopulationUpdate, VaccinationEvent } from '../../services/shared/schemas/records.js';
import { reindexCitizens } from '../../services/shared/store/reindex.js';
import type { SyntheticCitizen } from '../../services/shared/synth/population.js';
import { birthRegistration, personOf, vaccinationEvent } from '../fixtures/sector-events.js';
import { testLogger } from '../helpers/real-stack.js';
import { startStewardRun, StewardClient, type StewardRun } from '../helpers/steward-run.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Newborn sisters of three invented families, born the same day at the same address. A
 * vaccination of one of them, without an ID, arrives while only her sister is registered: the
 * linker sends it to review (same family, birth date and address, another given name). Then a
 * birth is registered: the linker sends that to review too (her sister again), and a steward
 * decides she is a new citizen.
 */
/** Each family its own birth day and village, so no family's girls are candidates for another's. */
const BORN = [20, 27, 34, 41].map((daysAgo) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10));
const ADDRESS = [
  'Số 7 bản Na Son, xã Na Son, Điện Biên',
  'Số 12 bản Mường Phăng, xã Mường Phăng, Điện Biên',
  'Số 3 bản Pú Nhi, xã Pú Nhi, Điện Biên',
  'Số 9 bản Him Lam, xã Thanh Minh, Điện Biên',
];

/** The last six digits of a personal ID are random: sisters' IDs have nothing in common there. */
const SERIALS = ['418207', '930561', '275934', '602718', '149380', '857126', '731495', '064853', '529617', '386042', '915273', '240689'];

function sister(family: number, serial: number, givenName: string): SyntheticCitizen {
  const born = BORN[family]!;
  const personalId = `0013${born.slice(2, 4)}${SERIALS[family * 3 + serial - 1]}`;
  return {
    citizen_id: personalId,
    personal_id: personalId,
    full_name: `${['Hoàng', 'Đinh', 'Lò', 'Cầm'][family]} Thị Mai ${givenName}`,
    date_of_birth: born,
    sex: 'FEMALE',
    address: ADDRESS[family]!,
  };
}

/**
 * Family 0: the sister registered, the vaccinated girl's birth registered later. Family 1: the
 * same, with a steward holding the case before. Family 2: a third sister's birth registered, not
 * the vaccinated girl's. Family 3: as family 0, but a steward claims the case while the linker is
 * deciding the record again.
 */
const FAMILIES = [0, 1, 2, 3];
const REGISTERED = FAMILIES.map((family) => sister(family, 1, 'Anh'));
const VACCINATED = FAMILIES.map((family) => sister(family, 2, 'Chi'));
const THIRD_SISTER = sister(2, 3, 'Hoa');

const recordId = (family: number) => `RECHECK-VAX-${family}`;

/** The BCG dose given at birth, without the newborn's ID (she has none yet), an hour ago. */
function vaccination(family: number): VaccinationEvent {
  const girl = VACCINATED[family]!;
  return vaccinationEvent(personOf(girl, { personal_id: null, sex: 'Nữ', address: girl.address }), recordId(family), {
    source_system: 'tiemchung-synthetic',
    event_time: Date.now() - 3_600_000,
    vaccination: { vaccine_code: 'BCG', date_administered: girl.date_of_birth, facility: 'Trạm y tế xã Na Son', lot_number: 'L2026' },
  });
}

const birth = (girl: SyntheticCitizen): CivilStatusEvent =>
  birthRegistration(personOf(girl, { sex: 'Nữ', address: girl.address }), `KS-${girl.personal_id}`, {
    source_system: 'hotich-synthetic',
    birth: { place_of_birth: 'Điện Biên', ethnicity: 'Thái' },
  });

interface CaseRow {
  case_id: number;
  status: string;
  reason: string;
  resolution: string | null;
  decided_by: string | null;
  claimed_by: string | null;
  rechecks: number;
  candidates: string[];
}

describe('an open review case is looked at again when a citizen it may be about is registered', () => {
  let s: StewardRun;
  let alice: StewardClient;
  const query = async <T extends object>(sql: string, params: unknown[] = []) => (await s.run.pool.query<T>(sql, params)).rows;
  const caseOf = async (family: number) =>
    (
      await query<CaseRow>(
        `select case_id::int as case_id, status, reason, resolution, decided_by, claimed_by, rechecks, array(select c->>'citizen_id' from jsonb_array_elements(candidates) c order by 1) as candidates
         from review_cases where observation->>'source_record_id' = $1`,
        [recordId(family)],
      )
    )[0];
  const linkOf = async (family: number) =>
    (await query<{ citizen_id: string }>('select citizen_id from record_links where source_record_id = $1', [recordId(family)]))[0]?.citizen_id ?? null;
  let before: (CaseRow | undefined)[] = [];

  /** Case ids in the order of the records given (the linker takes the records in no set order). */
  const casesOf = async (recordIds: string[]) => {
    const rows = await query<{ case_id: number; record: string }>(
      `select case_id::int as case_id, observation->>'source_record_id' as record from review_cases where observation->>'source_record_id' = any($1)`,
      [recordIds],
    );
    return recordIds.flatMap((id) => rows.filter((row) => row.record === id).map((row) => row.case_id));
  };

  const decideNew = (caseId: number) =>
    alice.decideAndWait(caseId, { action: 'NEW', comment: 'a sister of the registered girl: her own birth, her own personal ID' });

  beforeAll(async () => {
    s = await startStewardRun('recheck', testLogger, {}, REGISTERED);
    alice = await StewardClient.signIn(s, 'alice');
    await publishEvents({
      producer: s.run.producer,
      registry: s.run.registry,
      topic: s.run.topics.vaccination,
      record: 'vaccinationEvent',
      events: FAMILIES.map(vaccination),
    });
    await waitUntil(
      async () => Promise.all(FAMILIES.map(caseOf)),
      (found) => found.every(Boolean),
      60_000,
      'the vaccinations in review',
    );
    before = await Promise.all(FAMILIES.map(caseOf));
    const claim = (family: number) => alice.call('POST', `/api/cases/${before[family]!.case_id}/claim`).then(({ status }) => expect(status).toBe(200));
    await claim(1);
    const births = [birth(VACCINATED[0]!), birth(VACCINATED[1]!), birth(THIRD_SISTER), birth(VACCINATED[3]!)];
    await publishEvents({ producer: s.run.producer, registry: s.run.registry, topic: s.run.topics.civilStatus, record: 'civilStatusEvent', events: births });
    const birthCases = await waitUntil(
      () => casesOf(births.map((b) => b.source_record_id)),
      (found) => found.length === births.length,
      60_000,
      'the births in review',
    );
    for (const caseId of birthCases.slice(0, 3)) await decideNew(caseId);
    await s.run.waitUntilDrained(60_000);
    // Family 3: the record is sent back while the linker is away, and a steward claims its case before the linker's new decision reaches the store.
    await s.run.stopService('linker');
    await decideNew(birthCases[3]!);
    await claim(3);
    await s.run.startService('linker');
    await s.run.waitUntilDrained(60_000);
  }, 240_000);

  afterAll(async () => {
    await s?.close();
  });

  it("sends a newborn's vaccination to review while only her sister is registered", () => {
    expect(before.map((c) => [c?.status, c?.reason, c?.candidates])).toEqual(
      FAMILIES.map((family) => ['OPEN', 'REQUIRED_FIELD_DISAGREES', [REGISTERED[family]!.citizen_id]]),
    );
  });

  it("links the vaccination to the newborn once her birth is registered, and closes the case as the pipeline's", async () => {
    expect(await linkOf(0)).toBe(VACCINATED[0]!.citizen_id);
    const closed = await caseOf(0);
    expect([closed?.status, closed?.resolution, closed?.decided_by, closed?.rechecks]).toEqual(['DECIDED', 'LINK', 'pipeline:linker', 1]);
  });

  it('publishes the link on population.updates.v1', async () => {
    const updates = await Promise.all(
      (await readTopicSnapshot(s.run.kafka, s.run.admin, s.run.topics.populationUpdates)).map((m) => s.run.registry.decode<PopulationUpdate>(m.value!)),
    );
    expect(updates.filter((u) => u.source_record_id === recordId(0)).map((u) => [u.citizen_id, u.update_type])).toEqual([
      [VACCINATED[0]!.citizen_id, 'FACT_RECORDED'],
    ]);
  });

  it('does not send back the record of a case a steward has claimed', async () => {
    expect(await linkOf(1)).toBeNull();
    const held = await caseOf(1);
    expect([held?.status, held?.claimed_by, held?.rechecks, held?.candidates]).toEqual(['CLAIMED', 'alice', 0, [REGISTERED[1]!.citizen_id]]);
  });

  it("sets aside the linker's new decision when a steward claimed the case meanwhile, and audits that", async () => {
    expect(await linkOf(3)).toBeNull();
    const held = await caseOf(3);
    expect([held?.status, held?.claimed_by, held?.rechecks, held?.candidates]).toEqual(['CLAIMED', 'alice', 1, [REGISTERED[3]!.citizen_id]]);
    const setAside = await query<{ decision: string; reason: string }>(
      `select details->>'decision' as decision, details->>'reason' as reason from audit_log where action = 'RECHECK_SET_ASIDE'`,
    );
    expect(setAside).toEqual([{ decision: 'LINK', reason: 'the review case is claimed' }]);
  });

  it('refreshes the candidates of a case that stays uncertain, and keeps it open', async () => {
    expect(await linkOf(2)).toBeNull();
    const refreshed = await caseOf(2);
    expect([refreshed?.status, refreshed?.reason, refreshed?.rechecks, refreshed?.candidates]).toEqual([
      'OPEN',
      'AMBIGUOUS',
      1,
      [REGISTERED[2]!.citizen_id, THIRD_SISTER.citizen_id].sort(),
    ]);
    expect(refreshed?.case_id).toBe(before[2]!.case_id);
  });

  it('shows the steward the refreshed candidates on the case page, and that the case was looked at again', async () => {
    const { body } = await alice.call<{ case: { rechecks: number }; candidates: { citizen_id: string }[] }>('GET', `/api/cases/${before[2]!.case_id}`);
    expect([body.case.rechecks, body.candidates.map((c) => c.citizen_id).sort()]).toEqual([1, [REGISTERED[2]!.citizen_id, THIRD_SISTER.citizen_id].sort()]);
  });

  it("applies a steward's decision on a case that was looked at again, as on any other", async () => {
    const decision = await alice.decideAndWait(before[2]!.case_id, {
      action: 'NEW',
      comment: 'neither sister: the vaccinated girl herself, not yet registered',
    });
    expect(decision.result.status).toBe('applied');
    expect(await linkOf(2)).toBe(String(decision.result.result!.citizen_id));
  });

  it('rebuilds the keys of records in review when the register is reindexed', async () => {
    const keys = () => query<{ rule: string; key: string; observation_id: string }>('select rule, key, observation_id from review_case_keys order by 1, 2, 3');
    const kept = await keys();
    expect(kept.length).toBeGreaterThan(0);
    await reindexCitizens(s.run.pool, loadSettings());
    expect(await keys()).toEqual(kept);
  });
});
