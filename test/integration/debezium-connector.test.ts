import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeArtifact } from '../../services/cli/connect/connector-config.js';
import { ConnectorSchemas } from '../../services/cli/connect/connector-schemas.js';
import { connectKill, connectUp } from '../../services/cli/stack/connect-node.js';
import { dropDatabase, otherDatabaseUrl } from '../../services/cli/stack/postgres-node.js';
import { createSectorDatabase } from '../../services/cli/stack/sector-node.js';
import { connectOptions, stackUp } from '../../services/cli/stack/stack.js';
import { stackLayout } from '../../services/cli/stack/stack-layout.js';
import { listDeadLetters } from '../../services/shared/kafka/dead-letters.js';
import { topicMessageCount } from '../../services/shared/kafka/lag.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import type { Rejection } from '../../services/shared/schemas/records.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { config, uniqueName } from '../helpers/real-stack.js';
import { readTopicSnapshot } from '../../services/shared/kafka/topic-snapshot.js';
import { deleteRegistryGroup, registryAccepts, registryLatest } from '../helpers/registry-artifacts.js';
import { readTopic } from '../helpers/topic-reader.js';
import { waitUntil } from '../helpers/wait.js';

const exec = promisify(execFile);

/**
 * A real Debezium PostgreSQL connector on Kafka Connect (`dancu stack up --connect`) captures a
 * vaccination registry's database (stack/sector-vaccination.sql) and dancu's pipeline applies
 * what it emits: the snapshot of existing rows, then inserts, updates and deletes, through the
 * JSON converter, the JSON converter without schemas and the registry's Avro converter; Connect
 * killed with SIGKILL mid-stream redelivers, and every change is applied once; a malformed row is
 * dead-lettered with where it is in the sector's database; a second snapshot doubles no fact; a
 * column the sector adds passes the registry's compatibility rule. The tests run in order, on
 * one sector database.
 */
describe('a real Debezium connector feeds the register', () => {
  const run = new IsolatedRun('connect');
  const sectorUrl = otherDatabaseUrl(config.DANCU_SECTOR_DATABASE_URL, uniqueName('sector').replace(/-/g, '_'));
  const sector = new pg.Pool({ connectionString: sectorUrl, max: 2 });
  let people: SyntheticCitizen[];
  const today = new Date().toISOString().slice(0, 10);
  /** The day as the clinic's nurses type it. */
  const typed = (iso: string) => iso.split('-').reverse().join('/');
  /** The Avro connector's system: its schemas get a registry group of their own, deleted at the end. */
  const avroSystem = uniqueName('tiemchung');
  const schemas = new ConnectorSchemas(config.DANCU_SCHEMA_REGISTRY_URL);
  /** A row the first snapshot read and nothing changed since: a second snapshot sends it as it was. */
  let snapshotOnly: string;
  /** The dead letters the run expects from then on: the malformed row's, by record id. */
  let deadLettered: string[] = [];
  const deadLetterRecords = async () => (await listDeadLetters(run.kafka, run.admin, run.topics)).map((letter) => letter.recordId);

  const dancu = (...args: string[]) => exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), ...args], { cwd: REPO_ROOT, env: run.env });

  /** A dose for a citizen of the register, as the clinic system writes it. */
  async function vaccinate(person: SyntheticCitizen, dose: number, code = 'MR', given = today): Promise<string> {
    const patient = await sector.query<{ patient_id: string }>(
      'insert into patients (national_id, full_name, date_of_birth, sex, address) values ($1, $2, $3, $4, $5) returning patient_id',
      [person.personal_id, person.full_name, person.date_of_birth, person.sex === 'MALE' ? 'M' : 'F', person.address],
    );
    const row = await sector.query<{ vaccination_id: string }>(
      `insert into vaccinations (patient_id, patient_national_id, patient_name, patient_date_of_birth, patient_sex, patient_address,
         vaccine_code, vaccine_name, dose_number, dose_ml, administered_on, facility, lot_number, administered_by, clinical_notes)
       values ($1, $2, $3, $4, $5, $6, $7, 'Measles-rubella', $8, 0.5, $9, 'Trạm y tế phường 3', 'LOT-7', 'Điều dưỡng A', 'no reaction')
       returning vaccination_id`,
      [
        patient.rows[0]!.patient_id,
        person.personal_id,
        person.full_name,
        person.date_of_birth,
        person.sex === 'MALE' ? 'M' : 'F',
        person.address,
        code,
        dose,
        given,
      ],
    );
    return row.rows[0]!.vaccination_id;
  }

  const outcomes = () =>
    run.pool
      .query<{ n: string; distinct_ids: string }>(
        "select count(*) as n, count(distinct observation_id) as distinct_ids from observation_outcomes where source = 'vaccination'",
      )
      .then(({ rows }) => ({ n: Number(rows[0]!.n), distinct: Number(rows[0]!.distinct_ids) }));

  const waitForOutcomes = (n: number, what: string) => waitUntil(outcomes, (seen) => seen.n >= n, 90_000, what);

  /** Every fact of the source, by record: how many rows, and the live ones' content. */
  const factsByRecord = async () => {
    const { rows } = await run.pool.query<{ record: string; rows: string; live: string[] }>(
      `select source_record_id as record, count(*) as rows,
              array_agg(kind || ' ' || coalesce(fact_date::text, '-') || ' ' || details::text order by id) filter (where withdrawn_at is null) as live
         from citizen_facts where source = 'vaccination' and source_system = 'vaccination' group by source_record_id`,
    );
    return new Map(rows.map((row) => [row.record, { rows: Number(row.rows), live: row.live ?? [] }]));
  };

  const factsOf = async (recordId: string) =>
    (
      await run.pool.query<{ kind: string; withdrawn: boolean; citizen_id: string; dose: string }>(
        "select kind, withdrawn_at is not null as withdrawn, citizen_id, details->>'dose_number' as dose from citizen_facts where source = 'vaccination' and source_record_id = $1 order by id",
        [recordId],
      )
    ).rows;

  beforeAll(async () => {
    // The suite's global setup starts the base stack; this file also needs Connect and the sector's server.
    await stackUp(config, () => undefined, { connect: true });
    people = generatePopulation(60, 83).filter((c) => Number(c.date_of_birth.slice(0, 4)) < 2005);
    await run.setUp({ register: people });
    await createSectorDatabase(sectorUrl);
    await run.startServices();
  });

  afterAll(async () => {
    await dancu('connect', 'remove', '--source', 'vaccination', '--database', sectorUrl).catch(() => undefined);
    await deleteRegistryGroup(config.DANCU_SCHEMA_REGISTRY_URL, envelopeArtifact(avroSystem, 'vaccinations').groupId);
    await sector.end();
    await run.cleanUp();
    await dropDatabase(sectorUrl);
  });

  it('snapshots existing rows (op r) and applies inserts, updates and deletes read through the JSON converter', async () => {
    const before = [await vaccinate(people[0]!, 1), await vaccinate(people[1]!, 1), await vaccinate(people[17]!, 1, 'MR', typed(today))];
    const added = await dancu('connect', 'add', '--source', 'vaccination', '--database', sectorUrl, '--tables', 'vaccinations');
    expect(added.stdout).not.toContain('postgres://');
    snapshotOnly = before[2]!;
    await waitForOutcomes(3, 'the snapshot applied');
    for (const [i, id] of before.entries())
      expect(await factsOf(id)).toEqual([{ kind: 'VACCINATION', withdrawn: false, citizen_id: [people[0], people[1], people[17]][i]!.personal_id, dose: '1' }]);

    const inserted = await vaccinate(people[2]!, 2);
    await sector.query('update vaccinations set dose_number = 3 where vaccination_id = $1', [before[0]]);
    await sector.query('delete from vaccinations where vaccination_id = $1', [before[1]]);
    await waitForOutcomes(6, 'the insert, update and delete applied');

    expect(await factsOf(inserted)).toEqual([{ kind: 'VACCINATION', withdrawn: false, citizen_id: people[2]!.personal_id, dose: '2' }]);
    expect((await factsOf(before[0]!)).map((fact) => [fact.dose, fact.withdrawn])).toEqual([
      ['1', true],
      ['3', false],
    ]);
    expect((await factsOf(before[1]!)).every((fact) => fact.withdrawn)).toBe(true);
    // The delete's tombstone is acknowledged, nothing is dead-lettered, and the skipped columns never left the sector.
    expect(await listDeadLetters(run.kafka, run.admin, run.topics)).toEqual([]);
    const status = await dancu('connect', 'status', '--source', 'vaccination', '--json');
    const shown = JSON.parse(status.stdout) as { config: Record<string, string> };
    expect(shown.config['database.password']).toBe('***');
    expect(shown.config['column.exclude.list']).toContain('clinical_notes');
  });

  it('applies both updates of a row in one transaction (one commit time): the register keeps the second, not the value between', async () => {
    const id = await vaccinate(people[24]!, 1, 'DPT');
    await waitUntil(
      () => factsOf(id),
      (facts) => facts.length === 1,
      90_000,
      'the dose applied',
    );
    const start = (await outcomes()).n;
    const client = await sector.connect();
    try {
      await client.query('begin');
      await client.query('update vaccinations set dose_number = 2 where vaccination_id = $1', [id]);
      await client.query('update vaccinations set dose_number = 3 where vaccination_id = $1', [id]);
      await client.query('commit');
    } finally {
      client.release();
    }
    await waitForOutcomes(start + 2, 'both updates applied');
    expect((await factsOf(id)).map((fact) => [fact.dose, fact.withdrawn])).toEqual([
      ['1', true],
      ['2', true],
      ['3', false],
    ]);
  });

  it('applies each change exactly once when Connect is killed with SIGKILL mid-stream and restarted', async () => {
    const start = (await outcomes()).n;
    const onTopic = await topicMessageCount(run.admin, run.topics.vaccinationCdc);
    const burst: string[] = [];
    for (const person of people.slice(3, 13)) burst.push(await vaccinate(person, 1, 'BCG'));
    // Killed as soon as the first change is on the topic: the rest, and the offsets, are in flight.
    await waitUntil(
      () => topicMessageCount(run.admin, run.topics.vaccinationCdc),
      (n) => n > onTopic + 2,
      30_000,
      'changes on the topic',
    );
    expect(await connectKill(stackLayout())).toBe(true);
    for (const person of people.slice(13, 16)) burst.push(await vaccinate(person, 1, 'BCG'));
    await connectUp(stackLayout(), connectOptions(config));

    const seen = await waitForOutcomes(start + burst.length, 'every change of the burst applied');
    expect(seen).toEqual({ n: start + burst.length, distinct: start + burst.length });
    for (const id of burst) expect((await factsOf(id)).length).toBe(1);
    // Everything on the topic consumed, redelivered changes included, and still once each.
    await run.waitUntilDrained(60_000);
    expect(await outcomes()).toEqual({ n: start + burst.length, distinct: start + burst.length });
    const redelivered = (await topicMessageCount(run.admin, run.topics.vaccinationCdc)) - onTopic - burst.length;
    expect(redelivered).toBeGreaterThanOrEqual(0);
    console.info(`changes Debezium sent again after the crash: ${redelivered}`);
  });

  it('dead-letters a malformed row with its reason, table, row key and LSN, applies the rows around it, and the fixed row after', async () => {
    const start = (await outcomes()).n;
    const lsnBefore = (await sector.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
    const around = [await vaccinate(people[18]!, 1, 'OPV', typed(today))];
    // The clinic software takes any text as the day of the shot; there is no 30 February.
    const malformed = await vaccinate(people[19]!, 1, 'OPV', '30/02/2025');
    around.push(await vaccinate(people[20]!, 1, 'OPV'));
    await waitForOutcomes(start + 2, 'the rows around the malformed one applied');
    const [letter] = await waitUntil(
      () => listDeadLetters(run.kafka, run.admin, run.topics),
      (letters) => letters.length > 0,
      30_000,
      'the malformed row dead-lettered',
    );
    expect(letter).toMatchObject({
      reason: 'VACCINATION_DATE_INVALID',
      recordId: malformed,
      sourceTable: 'public.vaccinations',
      sourceKey: `{"vaccination_id":${malformed}}`,
      issues: [expect.objectContaining({ code: 'VACCINATION_DATE_INVALID', path: 'vaccination.date_administered' })],
    });
    // The LSN is the sector's own: after the inserts began, not beyond what the server has written.
    const lsnOk = await sector.query<{ ok: boolean }>('select $1::pg_lsn > $2::pg_lsn and $1::pg_lsn <= pg_current_wal_lsn() as ok', [
      letter!.sourceLsn,
      lsnBefore,
    ]);
    expect(lsnOk.rows[0]!.ok).toBe(true);
    const shown = await dancu('dlq', 'show', `${letter!.partition}:${letter!.offset}`);
    expect(shown.stdout).toContain(`row public.vaccinations key {"vaccination_id":${malformed}}, LSN ${letter!.sourceLsn} in the sector's database`);
    for (const id of around) expect((await factsOf(id)).map((fact) => fact.withdrawn)).toEqual([false]);
    expect(await factsOf(malformed)).toEqual([]);
    // The sector is told the same on its feedback topic.
    const feedback = await readTopicSnapshot(run.kafka, run.admin, run.topics.feedbackVaccination);
    const told = await Promise.all(feedback.map((message) => run.registry.decode<Rejection>(message.value)));
    expect(told.map((rejection) => [rejection.source_record_id, rejection.source_change])).toEqual([
      [malformed, { table: 'public.vaccinations', key: `{"vaccination_id":${malformed}}`, lsn: letter!.sourceLsn }],
    ]);

    deadLettered = [malformed];
    // The clinic corrects the day: the update is applied.
    await sector.query('update vaccinations set administered_on = $1 where vaccination_id = $2', [typed(today), malformed]);
    await waitForOutcomes(start + 3, 'the corrected row applied');
    expect((await factsOf(malformed)).map((fact) => [fact.citizen_id, fact.withdrawn])).toEqual([[people[19]!.personal_id, false]]);
  });

  it('reads the bare JSON envelope (no schemas), and a second snapshot of the table doubles no fact', async () => {
    await run.waitUntilDrained(60_000);
    const start = await outcomes();
    const factsBefore = await factsByRecord();
    const rows = (await sector.query<{ id: string }>('select vaccination_id::text as id from vaccinations order by 1')).rows.map((row) => row.id);
    const topicBefore = await topicMessageCount(run.admin, run.topics.vaccinationCdc);

    await dancu('connect', 'remove', '--source', 'vaccination', '--database', sectorUrl);
    await dancu('connect', 'add', '--source', 'vaccination', '--database', sectorUrl, '--tables', 'vaccinations', '--converter', 'json-plain');
    // Every row comes again (op r); all but the unchanged one carry a new observation, whose fact replaces the record's.
    await waitForOutcomes(start.n + rows.length - 1, 'the second snapshot applied');
    await run.waitUntilDrained(60_000);
    expect(await outcomes()).toEqual({ n: start.n + rows.length - 1, distinct: start.distinct + rows.length - 1 });
    const factsAfter = await factsByRecord();
    for (const id of rows) expect({ id, live: factsAfter.get(id)?.live }).toEqual({ id, live: factsBefore.get(id)?.live });
    expect(factsAfter.get(snapshotOnly)?.rows).toBe(1);

    const fresh = await vaccinate(people[21]!, 2, 'JE', typed(today));
    await waitForOutcomes(start.n + rows.length, 'an insert read without schemas applied');
    expect(await factsOf(fresh)).toEqual([{ kind: 'VACCINATION', withdrawn: false, citizen_id: people[21]!.personal_id, dose: '2' }]);
    // What the json-plain connector wrote is the bare envelope (op at the top); the first connector's changes had the schema wrapper.
    const written = await readTopic(run.kafka, run.topics.vaccinationCdc, topicBefore + rows.length + 1);
    const changes = written
      .filter((message) => message.value !== null && message.value.length > 0)
      .map((message) => JSON.parse(message.value!.toString('utf8')) as object);
    expect(changes.filter((change) => 'op' in change && !('schema' in change))).toHaveLength(rows.length + 1);
    expect(await deadLetterRecords()).toEqual(deadLettered);
  });

  it('applies changes written by the registry Avro converter', async () => {
    await dancu('connect', 'remove', '--source', 'vaccination', '--database', sectorUrl);
    // `add` waits for the first change to register the table's schema, and gives it the compatibility rule.
    const adding = dancu(
      'connect',
      'add',
      '--source',
      'vaccination',
      '--database',
      sectorUrl,
      '--tables',
      'vaccinations',
      '--converter',
      'avro',
      '--snapshot',
      'no_data',
      '--system',
      avroSystem,
    );
    const start = (await outcomes()).n;
    const topicBefore = await topicMessageCount(run.admin, run.topics.vaccinationCdc);
    // The slot is created when the task starts; a change made before that would not be streamed.
    await waitUntil(
      () => sector.query("select 1 from pg_replication_slots where slot_name like 'dancu_connect_%' and active").then((r) => r.rowCount ?? 0),
      (n) => n > 0,
      60_000,
      'the Avro connector streaming',
    );
    const id = await vaccinate(people[16]!, 1, 'HEPB');
    await sector.query("update vaccinations set lot_number = 'LOT-8' where vaccination_id = $1", [id]);
    await waitForOutcomes(start + 2, 'the Avro changes applied');

    const facts = await factsOf(id);
    expect(facts.map((fact) => [fact.citizen_id, fact.withdrawn])).toEqual([
      [people[16]!.personal_id, true],
      [people[16]!.personal_id, false],
    ]);
    expect((await adding).stdout).toContain(`schema ${envelopeArtifact(avroSystem, 'vaccinations').groupId}/Envelope: 1 version, compatibility BACKWARD`);
    // What was read is registry Avro (magic byte 0): the insert and the update; the rest is the JSON connector's.
    const messages = await readTopic(run.kafka, run.topics.vaccinationCdc, topicBefore + 2);
    expect(messages.filter((message) => message.value?.[0] === 0)).toHaveLength(2);
    expect(await deadLetterRecords()).toEqual(deadLettered);
  });

  it('goes on when the sector adds a nullable column, and the new schema version passes the registry compatibility rule', async () => {
    const artifact = envelopeArtifact(avroSystem, 'vaccinations');
    expect(await schemas.state(artifact)).toMatchObject({ versions: 1, compatibility: 'BACKWARD' });
    const start = (await outcomes()).n;
    await sector.query('alter table vaccinations add column reminder_opt_in boolean');
    const id = await vaccinate(people[22]!, 2, 'HEPB');
    await waitForOutcomes(start + 1, 'a row written after the new column applied');
    expect((await factsOf(id)).map((fact) => [fact.citizen_id, fact.withdrawn])).toEqual([[people[22]!.personal_id, false]]);
    expect(await schemas.state(artifact)).toMatchObject({ versions: 2, compatibility: 'BACKWARD' });
    // The rule bites: a version whose new field old messages lack (no default) would be refused.
    const latest = (await registryLatest(config.DANCU_SCHEMA_REGISTRY_URL, artifact)) as { fields: object[] };
    expect(JSON.stringify(latest)).toContain('reminder_opt_in');
    expect(await registryAccepts(config.DANCU_SCHEMA_REGISTRY_URL, artifact, latest)).toBe(true);
    expect(
      await registryAccepts(config.DANCU_SCHEMA_REGISTRY_URL, artifact, { ...latest, fields: [...latest.fields, { name: 'required_now', type: 'string' }] }),
    ).toBe(false);
    expect(await deadLetterRecords()).toEqual(deadLettered);
  });
});
