import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_TOPICS, valueSubject } from '../../services/shared/schemas/topics.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import type { CivilStatusEvent } from '../../services/shared/schemas/records.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { encodeDay, sendInOrder, type StreamMessage } from '../helpers/sector-stream.js';

const POPULATION = generatePopulation(1_500, 3131);
const DAY = generateSectorDay(
  POPULATION,
  { births: 100, deaths: 40, marriages: 10, nameChanges: 0, vaccinations: 600, newbornVaccinations: 0, benefits: 400, licences: 200, invalidPerSource: 0 },
  31310,
  new Date('2026-11-20T12:00:00Z'),
);

/** A newborn registered twice at the same moment, by two civil-status offices, with or without the new personal ID. */
function twinRegistrations(index: number, withId: boolean): [CivilStatusEvent, CivilStatusEvent] {
  const births = (DAY.events['civil-status'] as CivilStatusEvent[]).filter((e) => e.event_type === 'BIRTH_REGISTRATION');
  const model = births[index]!;
  const person = {
    personal_id: withId ? `0013260${String(90_000 + index).padStart(5, '0')}` : null,
    full_name: `Lò Thị Song ${['An', 'Bình', 'Chi', 'Dung', 'Giang', 'Hà'][index % 6]}`,
    date_of_birth: `2026-10-${String(10 + index).padStart(2, '0')}`,
    sex: 'Nữ',
    address: `Số ${index + 1} bản Na Son, Điện Biên`,
  };
  const registration = (office: string): CivilStatusEvent => ({
    ...model,
    source_system: office,
    source_record_id: `TWIN-${withId ? 'ID' : 'NOID'}-${index}`,
    person,
  });
  return [registration('hotich-phuong-1'), registration('hotich-phuong-2')];
}

const TWINS = [0, 1, 2].flatMap((i) => [twinRegistrations(i, true), twinRegistrations(i + 3, false)]);

describe('two instances of every service side by side create no citizen twice and lose no update', () => {
  const run = new IsolatedRun('two-instances');
  let sent = 0;

  beforeAll(async () => {
    await run.setUp({ register: POPULATION });
    await run.startProcesses(['ingest', 'ingest#2', 'linker', 'linker#2', 'store', 'store#2']);
    const messages = await encodeDay(run.registry, run.topics, DAY);
    // The two registrations of each newborn go to different partitions in the same batch: two instances take them at once.
    const topic = run.topics[SOURCE_TOPICS['civil-status'].events];
    const schemaId = await run.registry.register(valueSubject(topic), loadRecordSchema('civilStatusEvent').text);
    const twins: StreamMessage[] = [];
    for (const pair of TWINS) {
      for (const [partition, event] of pair.entries())
        twins.push({ topic, message: { key: event.source_record_id, partition, value: await run.registry.encode(schemaId, event) } });
    }
    const stream = [...messages.slice(0, 1_000), ...twins, ...messages.slice(1_000)];
    sent = stream.length;
    await sendInOrder(run.producer, stream, 300);
    await run.waitUntilDrained(300_000);
  }, 600_000);

  afterAll(async () => {
    await run.cleanUp();
  });

  it('applies every event: an outcome for each observation', async () => {
    const { rows } = await run.pool.query<{ n: string }>('select count(distinct observation_id) as n from observation_outcomes');
    expect(Number(rows[0]?.n)).toBe(sent);
  });

  const twinOutcome = async (withId: boolean) => {
    const { rows } = await run.pool.query<{ record: string; name: string; citizens: string; linked_to: string | null; in_review: boolean }>(
      `select r.source_system || '/' || r.record as record, r.name,
              (select count(*) from citizens c where c.full_name = r.name) as citizens,
              (select l.citizen_id from record_links l where l.source_system = r.source_system and l.source_record_id = r.record) as linked_to,
              exists (select 1 from review_cases v where v.observation->>'source_system' = r.source_system and v.observation->>'source_record_id' = r.record and v.status <> 'DECIDED') as in_review
         from jsonb_to_recordset($1::jsonb) as r(source_system text, record text, name text) order by 1`,
      [
        JSON.stringify(
          TWINS.flat()
            .filter((e) => (e.person.personal_id !== null) === withId)
            .map((e) => ({ source_system: e.source_system, record: e.source_record_id, name: e.person.full_name })),
        ),
      ],
    );
    return rows;
  };

  it('creates one citizen for each newborn registered twice at once with the new personal ID, and links both registrations to it', async () => {
    const rows = await twinOutcome(true);
    expect(rows.map((row) => `${row.name}: ${row.citizens} citizen(s), linked ${row.linked_to !== null}`)).toEqual(
      rows.map((row) => `${row.name}: 1 citizen(s), linked true`),
    );
    expect(rows.length).toBe(6);
  });

  it('creates one citizen for each newborn registered twice at once without an ID: the second goes back to the linker, which links it to the first', async () => {
    const rows = await twinOutcome(false);
    expect(rows.map((row) => `${row.name}: ${row.citizens} citizen(s), linked ${row.linked_to !== null}`)).toEqual(
      rows.map((row) => `${row.name}: 1 citizen(s), linked true`),
    );
    expect(rows.length).toBe(6);
  });

  it('creates exactly one citizen per birth of the day, and no other', async () => {
    const { rows } = await run.pool.query<{ n: string }>(
      `select count(*) as n from citizens where origin like 'source:%' and full_name not like 'Lò Thị Song %'`,
    );
    expect(Number(rows[0]?.n)).toBe(DAY.truth.civilStatus.births.length);
  });

  it('links every sector record to the citizen it is about', async () => {
    const { rows } = await run.pool.query<{ source_record_id: string; citizen_id: string }>('select source_record_id, citizen_id from record_links');
    const linked = new Map(rows.map((row) => [row.source_record_id, row.citizen_id]));
    const wrong = [...DAY.truth.about].filter(([record, citizen]) => linked.has(record) && linked.get(record) !== citizen);
    const missing = [...DAY.truth.about].filter(([record]) => !linked.has(record));
    expect({ wrong, missing: missing.length }).toEqual({ wrong: [], missing: 0 });
  });

  it('lets no decision be applied twice and leaves nothing in the outbox', async () => {
    const twice = await run.pool.query<{ n: string }>(
      `select count(*) as n from (select observation_id from observation_outcomes where outcome in ('CREATED', 'LINKED') group by 1 having count(*) > 1) as t`,
    );
    const waiting = await run.pool.query<{ n: string }>('select count(*) as n from outbox where published_at is null');
    expect({ twice: Number(twice.rows[0]?.n), waiting: Number(waiting.rows[0]?.n) }).toEqual({ twice: 0, waiting: 0 });
  });
});
