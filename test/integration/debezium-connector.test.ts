import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectKill, connectUp } from '../../services/cli/stack/connect-node.js';
import { dropDatabase, otherDatabaseUrl } from '../../services/cli/stack/postgres-node.js';
import { createSectorDatabase } from '../../services/cli/stack/sector-node.js';
import { connectOptions, stackUp } from '../../services/cli/stack/stack.js';
import { stackLayout } from '../../services/cli/stack/stack-layout.js';
import { listDeadLetters } from '../../services/shared/kafka/dead-letters.js';
import { topicMessageCount } from '../../services/shared/kafka/lag.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { config, uniqueName } from '../helpers/real-stack.js';
import { readTopic } from '../helpers/topic-reader.js';
import { waitUntil } from '../helpers/wait.js';

const exec = promisify(execFile);

/**
 * A real Debezium PostgreSQL connector on Kafka Connect (`dancu stack up --connect`) captures a
 * vaccination registry's database (stack/sector-vaccination.sql) and dancu's pipeline applies
 * what it emits: the snapshot of existing rows, then inserts, updates and deletes, through the
 * JSON converter and then the registry's Avro converter; Connect killed with SIGKILL mid-stream
 * redelivers, and every change is applied once.
 */
describe('a real Debezium connector feeds the register', () => {
  const run = new IsolatedRun('connect');
  const sectorUrl = otherDatabaseUrl(config.DANCU_SECTOR_DATABASE_URL, uniqueName('sector').replace(/-/g, '_'));
  const sector = new pg.Pool({ connectionString: sectorUrl, max: 2 });
  let people: SyntheticCitizen[];
  const today = new Date().toISOString().slice(0, 10);

  const dancu = (...args: string[]) => exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), ...args], { cwd: REPO_ROOT, env: run.env });

  /** A dose for a citizen of the register, as the clinic system writes it. */
  async function vaccinate(person: SyntheticCitizen, dose: number, code = 'MR'): Promise<string> {
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
        today,
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
    await sector.end();
    await run.cleanUp();
    await dropDatabase(sectorUrl);
  });

  it('snapshots existing rows (op r) and applies inserts, updates and deletes read through the JSON converter', async () => {
    const before = [await vaccinate(people[0]!, 1), await vaccinate(people[1]!, 1)];
    const added = await dancu('connect', 'add', '--source', 'vaccination', '--database', sectorUrl, '--tables', 'vaccinations');
    expect(added.stdout).not.toContain('postgres://');
    await waitForOutcomes(2, 'the snapshot applied');
    for (const [i, id] of before.entries())
      expect(await factsOf(id)).toEqual([{ kind: 'VACCINATION', withdrawn: false, citizen_id: people[i]!.personal_id, dose: '1' }]);

    const inserted = await vaccinate(people[2]!, 2);
    await sector.query('update vaccinations set dose_number = 3 where vaccination_id = $1', [before[0]]);
    await sector.query('delete from vaccinations where vaccination_id = $1', [before[1]]);
    await waitForOutcomes(5, 'the insert, update and delete applied');

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

  it('applies changes written by the registry Avro converter', async () => {
    await dancu('connect', 'remove', '--source', 'vaccination', '--database', sectorUrl);
    await dancu(
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
    // What was read is registry Avro (magic byte 0): the insert and the update; the rest is the JSON connector's.
    const messages = await readTopic(run.kafka, run.topics.vaccinationCdc, topicBefore + 2);
    expect(messages.filter((message) => message.value?.[0] === 0)).toHaveLength(2);
    expect(await listDeadLetters(run.kafka, run.admin, run.topics)).toEqual([]);
  });
});
