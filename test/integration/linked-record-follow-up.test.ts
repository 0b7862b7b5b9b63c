import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { applyStewardDecision, type StewardContext } from '../../services/shared/review/steward-apply.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { loadSurvivorship } from '../../services/shared/register/survivorship.js';
import type { StewardDecision, VaccinationEvent } from '../../services/shared/schemas/records.js';
import { inTransaction } from '../../services/shared/store/db.js';
import type { SyntheticCitizen } from '../../services/shared/synth/population.js';
import { stewardDecision } from '../fixtures/link-decisions.js';
import { personOf, vaccinationEvent } from '../fixtures/sector-events.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * Through the pipeline: an invented man's vaccination record is linked to him; its source then
 * sends an update of the record that describes his twin brother (the next ID, another given name,
 * the same birth date). The linker does not let the update follow the link: it opens a case about
 * the standing link, which a steward's rejection takes off him and its undo puts back.
 */
const TU: SyntheticCitizen = {
  citizen_id: '001090004417',
  personal_id: '001090004417',
  full_name: 'Hoàng Văn Tú',
  date_of_birth: '1990-05-02',
  sex: 'MALE',
  address: 'Số 4 Trần Phú, Hà Đông, Hà Nội',
};
const TWIN_BROTHER = { ...TU, personal_id: '001090004418', full_name: 'Hoàng Văn Tùng' };
const RECORD_ID = 'FOLLOW-UP-VAX-1';

const vaccination = (person: SyntheticCitizen, change: 'CREATE' | 'UPDATE', minutesAgo: number): VaccinationEvent =>
  vaccinationEvent(personOf(person, { sex: 'Nam', address: person.address }), RECORD_ID, {
    change_type: change,
    event_time: Date.now() - minutesAgo * 60_000,
    vaccination: { vaccine_code: 'INFLUENZA', dose_number: change === 'CREATE' ? 1 : 2 },
  });

describe('a later event of a linked record that describes another person', () => {
  const run = new IsolatedRun('follow-up');
  const query = async <T extends object>(sql: string, params: unknown[] = []) => (await run.pool.query<T>(sql, params)).rows;
  const linkOf = async () =>
    (
      await query<{ citizen_id: string; change: string }>(
        "select citizen_id, observation->>'change_type' as change from record_links where source_record_id = $1",
        [RECORD_ID],
      )
    )[0];
  let opened: { case_id: number; reason: string; first: string; summary: string };

  const steward = (caseId: number, action: StewardDecision['action'], undoes: string | null = null) => {
    const context: StewardContext = { settings: loadSettings(), survivorship: loadSurvivorship(), topics: run.topics, now: new Date() };
    const decided = stewardDecision(caseId, action, { decision_id: `steward-${action}`, undoes });
    return inTransaction(run.pool, (client) => applyStewardDecision(client, decided, context));
  };

  beforeAll(async () => {
    await run.setUp({ register: [TU] });
    await run.startServices();
    const publish = (event: VaccinationEvent) =>
      publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.vaccination, record: 'vaccinationEvent', events: [event] });
    await publish(vaccination(TU, 'CREATE', 10));
    await waitUntil(linkOf, (link) => link !== undefined, 60_000, 'the vaccination linked');
    await publish(vaccination(TWIN_BROTHER, 'UPDATE', 5));
    const cases = await waitUntil(
      () =>
        query<typeof opened>(
          `select case_id::int as case_id, reason, candidates->0->>'citizen_id' as first, explanation->>'summary' as summary
             from review_cases where observation->>'source_record_id' = $1`,
          [RECORD_ID],
        ),
      (rows) => rows.length > 0,
      60_000,
      'the update in review',
    );
    opened = cases[0]!;
    await run.waitUntilDrained(60_000);
  }, 180_000);

  afterAll(async () => {
    await run.cleanUp();
  });

  it('opens a case about the standing link, naming the citizen first and the never_link rule that holds', () => {
    expect([opened.reason, opened.first]).toEqual(['LINKED_RECORD_CONTRADICTED', TU.citizen_id]);
    expect(opened.summary).toMatch(/never_link rule "twins" holds/);
  });

  it('leaves the record linked to him with its first event, the update waiting', async () => {
    expect(await linkOf()).toEqual({ citizen_id: TU.citizen_id, change: 'CREATE' });
  });

  it("takes the record off him on a steward's rejection, and puts it back when the rejection is undone", async () => {
    expect(await steward(opened.case_id, 'REJECT')).toMatchObject({ status: 'applied' });
    expect(await linkOf()).toBeUndefined();
    expect(await steward(opened.case_id, 'UNDO', 'steward-REJECT')).toMatchObject({ status: 'applied' });
    expect(await linkOf()).toEqual({ citizen_id: TU.citizen_id, change: 'CREATE' });
  });
});
