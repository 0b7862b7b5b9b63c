import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import { valueSubject } from '../../services/shared/schemas/topics.js';
import type { VaccinationEvent } from '../../services/shared/schemas/records.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { personOf, sexInVietnamese, vaccinationEvent } from '../fixtures/sector-events.js';
import { IsolatedRun } from '../helpers/isolated-run.js';

/** The vaccination schema as a publisher's next version has it: one more optional field, which BACKWARD compatibility allows. */
function upgradedSchema(): string {
  const schema = JSON.parse(loadRecordSchema('vaccinationEvent').text) as { fields: object[] };
  schema.fields.push({ name: 'campaign_code', type: ['null', 'string'], default: null, doc: 'The campaign the dose was given in.' });
  return JSON.stringify(schema);
}

describe("a publisher's move to a later schema version", () => {
  const run = new IsolatedRun('schema-upgrade');
  const people = generatePopulation(50, 4242).slice(0, 2);
  const events: VaccinationEvent[] = people.map((citizen, i) =>
    vaccinationEvent(personOf(citizen, { sex: sexInVietnamese(citizen.sex) }), `TC-UP-${i}`, { event_time: Date.parse('2026-11-20T08:00:00Z') }),
  );
  let outcomes: number;

  const outcomesOfSource = async () =>
    Number((await run.pool.query<{ n: string }>("select count(*) as n from observation_outcomes where source = 'vaccination'")).rows[0]?.n);

  beforeAll(async () => {
    await run.setUp({ register: people });
    await run.startServices();
    await publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.vaccination, record: 'vaccinationEvent', events });
    await run.waitUntilDrained(60_000);
    const upgraded = await run.registry.register(valueSubject(run.topics.vaccination), upgradedSchema());
    // Both events sent again under the new version, the new field left null; and the first once more with the field filled in.
    const resent = [...events.map((event) => ({ ...event, campaign_code: null })), { ...events[0]!, campaign_code: 'MR-2026' }];
    await run.producer.send({
      topic: run.topics.vaccination,
      messages: await Promise.all(resent.map(async (event) => ({ key: event.source_record_id, value: await run.registry.encode(upgraded, event) }))),
      acks: -1,
    });
    await run.waitUntilDrained(60_000);
    outcomes = await outcomesOfSource();
  }, 180_000);

  afterAll(async () => {
    await run.cleanUp();
  });

  it('applies an event sent again under the new version, its new field null, once: the same observation', () => {
    // Two events, then one that says something new (the campaign); the two re-sent unchanged add nothing.
    expect(outcomes).toBe(3);
  });

  it('links every event it applied to its citizen', async () => {
    const { rows } = await run.pool.query<{ source_record_id: string; citizen_id: string }>(
      "select source_record_id, citizen_id from record_links where source_record_id like 'TC-UP-%' order by 1",
    );
    expect(rows).toEqual(people.map((citizen, i) => ({ source_record_id: `TC-UP-${i}`, citizen_id: citizen.citizen_id })));
  });
});
