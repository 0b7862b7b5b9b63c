import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import type { CivilStatusEvent } from '../../services/shared/schemas/records.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { nameChangeRegistration, personOf } from '../fixtures/sector-events.js';
import { IsolatedRun } from '../helpers/isolated-run.js';

const HOUR = 3_600_000;

/** A change of name with no registration date: only the event times order the two changes of a citizen. */
const nameChange = (citizen: SyntheticCitizen, recordId: string, newName: string, eventTime: number): CivilStatusEvent =>
  nameChangeRegistration(personOf(citizen), recordId, newName, { event_time: eventTime, registration_date: null });

describe('a civil-status value from an older event never replaces one from a newer event, whatever the arrival order', () => {
  const run = new IsolatedRun('event-time');
  let newerFirst: SyntheticCitizen;
  let olderFirst: SyntheticCitizen;
  const now = Date.now();

  beforeAll(async () => {
    const population = generatePopulation(40, 111);
    [newerFirst, olderFirst] = [population[0]!, population[1]!];
    await run.setUp({ register: population });
    await run.startServices();
    const publish = (events: CivilStatusEvent[]) =>
      publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.civilStatus, record: 'civilStatusEvent', events });
    // One at a time, drained in between, so the arrival order is the order given.
    for (const event of [nameChange(newerFirst, 'TD-1', 'Trần Văn Mới', now - HOUR), nameChange(olderFirst, 'TD-2', 'Trần Văn Cũ', now - 2 * HOUR)]) {
      await publish([event]);
      await run.waitUntilDrained(60_000);
    }
    for (const event of [nameChange(newerFirst, 'TD-3', 'Trần Văn Cũ', now - 2 * HOUR), nameChange(olderFirst, 'TD-4', 'Trần Văn Mới', now - HOUR)]) {
      await publish([event]);
      await run.waitUntilDrained(60_000);
    }
  });

  afterAll(async () => {
    await run.cleanUp();
  });

  it('ends with the newer name for both citizens', async () => {
    const { rows } = await run.pool.query<{ citizen_id: string; full_name: string }>(
      'select citizen_id, full_name from citizens where citizen_id = any($1::text[]) order by citizen_id',
      [[newerFirst.citizen_id, olderFirst.citizen_id]],
    );
    expect(rows.map((row) => row.full_name)).toEqual(['Trần Văn Mới', 'Trần Văn Mới']);
  });

  it('keeps the older name in the history, not current, when it arrived last', async () => {
    const { rows } = await run.pool.query<{ source: string; value: string; rule: string; is_current: boolean }>(
      "select source, value, rule, is_current from field_provenance where citizen_id = $1 and field = 'full_name' order by event_time",
      [newerFirst.citizen_id],
    );
    expect(rows).toEqual([
      { source: 'register', value: newerFirst.full_name, rule: 'recency', is_current: false },
      { source: 'civil-status', value: 'Trần Văn Cũ', rule: 'recency', is_current: false },
      { source: 'civil-status', value: 'Trần Văn Mới', rule: 'recency', is_current: true },
    ]);
  });

  it('gives both citizens the same history of events, whichever name arrived first', async () => {
    const history = async (citizenId: string) =>
      (
        await run.pool.query<{ value: string; rule: string; is_current: boolean }>(
          "select value, rule, is_current from field_provenance where citizen_id = $1 and field = 'full_name' and source <> 'register' order by event_time",
          [citizenId],
        )
      ).rows;
    expect(await history(olderFirst.citizen_id)).toEqual(await history(newerFirst.citizen_id));
  });
});
