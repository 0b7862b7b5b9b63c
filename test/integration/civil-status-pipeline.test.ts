import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { GARBAGE_MESSAGES } from '../../services/cli/commands/demo-command.js';
import { DLQ_HEADERS } from '../../services/shared/kafka/dead-letter.js';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import type { PopulationUpdate } from '../../services/shared/schemas/records.js';
import { generateCivilStatusStream, type StreamTruth } from '../../services/shared/synth/civil-status-stream.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { settingsVersion } from '../../services/shared/linkage/settings-version.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { citizenView } from '../../services/shared/store/citizen-view.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { header, readTopic } from '../helpers/topic-reader.js';

const PLAN = { births: 80, deaths: 76, deathsWithoutId: 5, deathsWithWrongId: 5, invalid: 30 };
const EVENTS_IN = PLAN.births + PLAN.deaths + PLAN.deathsWithoutId + PLAN.deathsWithWrongId + PLAN.invalid + GARBAGE_MESSAGES.length;
const DEAD_LETTERED = PLAN.invalid + GARBAGE_MESSAGES.length;

describe('civil-status events flow end to end through Kafka, the registry and PostgreSQL', () => {
  const run = new IsolatedRun('e2e');
  let truth: StreamTruth;
  let events: unknown[];
  let updates: KafkaMessage[];
  let deadLetters: KafkaMessage[];

  beforeAll(async () => {
    const population = generatePopulation(1000, 11);
    await run.setUp({ register: population });
    ({ events, truth } = generateCivilStatusStream(population, PLAN, 12));
    await run.startServices();
    const report = await publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.civilStatus, record: 'civilStatusEvent', events });
    expect(report.rejected).toEqual([]);
    await run.producer.send({ topic: run.topics.civilStatus, messages: GARBAGE_MESSAGES.map((value) => ({ value })) });
    await run.waitUntilDrained(120_000);
    updates = await readTopic(run.kafka, run.topics.populationUpdates, (await run.counts()).updatesPublished);
    deadLetters = await readTopic(run.kafka, run.topics.deadLetters, DEAD_LETTERED);
  });

  afterAll(async () => {
    await run.cleanUp();
  });

  it('creates exactly one citizen for every birth', async () => {
    const { rows } = await run.pool.query<{ personal_id: string; n: string }>(
      "select personal_id, count(*) as n from citizens where origin = 'source:civil-status' group by personal_id",
    );
    expect(rows.map((row) => [row.personal_id, Number(row.n)]).sort()).toEqual(truth.births.map((birth) => [birth.personalId, 1]).sort());
  });

  it('never marks a citizen deceased who did not die, nor with another date', async () => {
    const { rows } = await run.pool.query<{ citizen_id: string; date_of_death: string }>(
      "select citizen_id, date_of_death from citizens where status = 'DECEASED'",
    );
    const died = new Map(truth.deaths.map((death) => [death.citizenId, death.dateOfDeath]));
    expect(rows.filter((row) => died.get(row.citizen_id) !== row.date_of_death)).toEqual([]);
  });

  it('marks deceased, with the registered date, every citizen whose death was registered with their ID', async () => {
    const byId = truth.deaths.filter((death) => death.identified === 'BY_ID');
    const { rows } = await run.pool.query<{ citizen_id: string; date_of_death: string }>(
      "select citizen_id, date_of_death from citizens where status = 'DECEASED' and citizen_id = any($1::text[])",
      [byId.map((death) => death.citizenId)],
    );
    expect(rows.map((row) => [row.citizen_id, row.date_of_death]).sort()).toEqual(byId.map((death) => [death.citizenId, death.dateOfDeath]).sort());
  });

  it('never marks dead the citizen whose ID a death registration carried by mistake', async () => {
    const owners = truth.deaths.flatMap((death) => (death.idOwner ? [death.idOwner] : []));
    const { rows } = await run.pool.query<{ status: string }>('select status from citizens where citizen_id = any($1::text[])', [owners]);
    expect(rows.map((row) => row.status)).toEqual(owners.map(() => 'ALIVE'));
  });

  it('names on every link it made the settings version, which the register keeps', async () => {
    const { rows } = await run.pool.query<{ settings_version: string | null; kept: boolean }>(
      `select l.settings_version, exists (select 1 from linkage_settings s where s.version = l.settings_version) as kept
         from record_links l where l.method <> 'STEWARD'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((row) => `${row.settings_version} ${row.kept}`))).toEqual(new Set([`${settingsVersion(loadSettings())} true`]));
  });

  it("explains a death's link, on demand, from its evidence and the settings of its version", async () => {
    const death = truth.deaths.find((d) => d.identified === 'BY_ID')!;
    const view = await citizenView(run.pool, death.citizenId);
    const link = view!.links.find((l) => l.reason === 'MATCH' || l.reason === 'SOURCE_RECORD_LINKED')!;
    expect(link.explanation?.comparisons.map((c) => c.comparison)).toEqual(loadSettings().comparisons.map((c) => c.name));
    expect(link.explanation?.summary).toMatch(/match probability/);
  });

  it('links every other death to the right citizen or opens a review case for it', async () => {
    const uncertain = truth.deaths.filter((death) => death.identified !== 'BY_ID');
    const deceased = await run.pool.query<{ citizen_id: string }>("select citizen_id from citizens where status = 'DECEASED'");
    const reviewed = await run.pool.query<{ record_id: string }>("select observation->>'source_record_id' as record_id from review_cases");
    const linked = new Set(deceased.rows.map((row) => row.citizen_id));
    const inReview = new Set(reviewed.rows.map((row) => row.record_id));
    expect(uncertain.filter((death) => !linked.has(death.citizenId) && !inReview.has(death.recordId))).toEqual([]);
  });

  it('publishes exactly one population update per applied event', async () => {
    const counts = await run.counts();
    const applied = counts.citizensCreated + counts.deathsRecorded + counts.citizensUpdated + counts.recordsLinked;
    expect(await run.messageCount(run.topics.populationUpdates)).toBe(applied);
    const decoded = await Promise.all(updates.map((message) => run.registry.decode<PopulationUpdate>(message.value)));
    const recordIds = decoded.map((update) => update.source_record_id);
    expect(new Set(recordIds).size).toBe(recordIds.length);
  });

  it('dead-letters every malformed event with its reason', async () => {
    const reasons = deadLetters.map((message) => {
      const issues = header(message, DLQ_HEADERS.issues);
      return [header(message, DLQ_HEADERS.recordId) ?? '(undecodable)', issues ? JSON.parse(issues)[0].code : header(message, DLQ_HEADERS.reason)];
    });
    const expected = [...truth.invalid.map((invalid) => [invalid.recordId, invalid.reason]), ...GARBAGE_MESSAGES.map(() => ['(undecodable)', 'DECODE_FAILED'])];
    expect(reasons.sort()).toEqual(expected.sort());
  });

  it('accounts for every event: in = applied + reviewed + dead-lettered', async () => {
    const counts = await run.counts();
    const applied = counts.citizensCreated + counts.deathsRecorded + counts.citizensUpdated + counts.recordsLinked;
    expect([applied + counts.reviewCases + counts.deadLettered, counts.deadLettered]).toEqual([EVENTS_IN, DEAD_LETTERED]);
  });

  it('changes nothing when the same events are published again', async () => {
    const before = await run.counts();
    await publishEvents({ producer: run.producer, registry: run.registry, topic: run.topics.civilStatus, record: 'civilStatusEvent', events });
    await run.waitUntilDrained(120_000);
    const after = await run.counts();
    expect({ ...after, deadLettered: 0, observations: 0 }).toEqual({ ...before, deadLettered: 0, observations: 0 });
  });
});
