import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../services/shared/kafka/dead-letters.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { birthRow, days, envelope, licenceRow, source, vaccinationRow, welfareRow, withSchemaWrapper } from '../fixtures/debezium.js';
import { IsolatedRun } from '../helpers/isolated-run.js';

const optional = (type: unknown) => ['null', type];
const date = { type: 'int', 'connect.version': 1, 'connect.name': 'io.debezium.time.Date' };

/** The Avro value schema Debezium's Avro converter registers for the welfare table (connect names and all). */
const WELFARE_ENVELOPE_SCHEMA = {
  type: 'record',
  name: 'Envelope',
  namespace: 'btxh.public.doi_tuong_tro_cap',
  fields: [
    {
      name: 'before',
      type: optional({
        type: 'record',
        name: 'Value',
        fields: [
          { name: 'ma_ho_so', type: 'string' },
          { name: 'so_dinh_danh', type: optional('string'), default: null },
          { name: 'ho_ten', type: optional('string'), default: null },
          { name: 'ngay_sinh', type: optional(date), default: null },
          { name: 'gioi_tinh', type: optional('string'), default: null },
          { name: 'dia_chi', type: optional('string'), default: null },
          { name: 'ma_che_do', type: optional('string'), default: null },
          { name: 'ten_che_do', type: optional('string'), default: null },
          { name: 'muc_huong', type: optional('long'), default: null },
          { name: 'trang_thai', type: optional('string'), default: null },
          { name: 'ngay_huong', type: optional(date), default: null },
          { name: 'ngay_ket_thuc', type: optional(date), default: null },
        ],
      }),
      default: null,
    },
    { name: 'after', type: optional('Value'), default: null },
    {
      name: 'source',
      type: {
        type: 'record',
        name: 'Source',
        namespace: 'io.debezium.connector.postgresql',
        fields: [
          { name: 'version', type: 'string' },
          { name: 'connector', type: 'string' },
          { name: 'name', type: 'string' },
          { name: 'ts_ms', type: 'long' },
          { name: 'db', type: 'string' },
          { name: 'schema', type: 'string' },
          { name: 'table', type: 'string' },
        ],
      },
    },
    { name: 'op', type: 'string' },
    { name: 'ts_ms', type: optional('long'), default: null },
  ],
};

describe('Debezium change events of every source become observations like dancu events', () => {
  const run = new IsolatedRun('debezium');
  let population: SyntheticCitizen[];
  const today = new Date().toISOString().slice(0, 10);
  const newborn = { personalId: '001226009001', name: 'NGUYỄN THỊ THU', dob: new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10) };

  beforeAll(async () => {
    population = generatePopulation(300, 41);
    await run.setUp({ register: population });
    await run.startServices();

    const ts = Date.now() - 60_000;
    const json = (value: object) => ({ value: Buffer.from(JSON.stringify(value)), partition: 0 });
    await run.producer.send({
      topic: run.topics.civilStatusCdc,
      messages: [
        json(
          withSchemaWrapper(
            envelope('c', null, { ...birthRow(9001, newborn.personalId, newborn.name, newborn.dob), gioi_tinh: 'Nữ' }, source('hotich', 'khai_sinh', ts)),
          ),
        ),
      ],
    });
    await run.waitUntilDrained(60_000);

    const child = vaccinationRow('MT-9001', null, 'Nguyen Thi Thu', newborn.dob, newborn.dob);
    await run.producer.send({ topic: run.topics.vaccinationCdc, messages: [json(envelope('c', null, child, source('tiemchung', 'tiem_chung', ts)))] });

    const elder = population.find((c) => Number(c.date_of_birth.slice(0, 4)) < 1950)!;
    const welfareId = await run.registry.register(`${run.topics.socialWelfareCdc}-value`, JSON.stringify(WELFARE_ENVELOPE_SCHEMA));
    const row = {
      ...welfareRow('HS-77', elder.personal_id, elder.full_name, elder.date_of_birth, today),
      gioi_tinh: elder.sex === 'MALE' ? 'Nam' : 'Nữ',
      ngay_ket_thuc: null,
    };
    const avroValue = await run.registry.encode(welfareId, {
      before: null,
      after: { ...row, ngay_sinh: days(elder.date_of_birth), ngay_huong: days(today) },
      source: { version: '2.7.3.Final', connector: 'postgresql', name: 'btxh', ts_ms: ts, db: 'btxh', schema: 'public', table: 'doi_tuong_tro_cap' },
      op: 'r',
      ts_ms: ts + 5,
    });
    await run.producer.send({ topic: run.topics.socialWelfareCdc, messages: [{ value: avroValue, partition: 0 }] });

    const driver = population.find((c) => Number(c.date_of_birth.slice(0, 4)) < 2000 && Number(c.date_of_birth.slice(0, 4)) > 1960)!;
    const issued = licenceRow('011234567001', driver.personal_id, driver.full_name, driver.date_of_birth, today);
    const renewed = { ...issued, ngay_cap: days(today), ngay_het_han: days(today) + 3650 };
    await run.producer.send({
      topic: run.topics.driverLicenceCdc,
      messages: [
        { ...json(envelope('c', null, issued, source('gplx', 'giay_phep_lai_xe', ts))), key: Buffer.from('{"so_gplx":"011234567001"}') },
        { ...json(envelope('u', issued, renewed, source('gplx', 'giay_phep_lai_xe', ts + 1000))), key: Buffer.from('{"so_gplx":"011234567001"}') },
        { ...json(envelope('d', renewed, null, source('gplx', 'giay_phep_lai_xe', ts + 2000))), key: Buffer.from('{"so_gplx":"011234567001"}') },
        { key: Buffer.from('{"so_gplx":"011234567001"}'), value: null, partition: 0 },
      ],
    });
    await run.waitUntilDrained(60_000);
  });

  afterAll(async () => {
    await run.cleanUp();
  });

  it('creates the citizen of a birth row (JSON with its schema)', async () => {
    const { rows } = await run.pool.query<{ full_name: string; date_of_birth: string; origin: string }>(
      'select full_name, date_of_birth, origin from citizens where citizen_id = $1',
      [newborn.personalId],
    );
    expect(rows).toEqual([{ full_name: 'Nguyễn Thị Thu', date_of_birth: newborn.dob, origin: 'source:civil-status' }]);
  });

  it('links a vaccination row without an ID to that newborn (plain JSON)', async () => {
    const { rows } = await run.pool.query<{ citizen_id: string }>(
      "select citizen_id from record_links where source = 'vaccination' and source_record_id = 'MT-9001'",
    );
    expect(rows).toEqual([{ citizen_id: newborn.personalId }]);
  });

  it('links a welfare snapshot row read from registry Avro', async () => {
    const { rows } = await run.pool.query<{ kind: string; fact_date: string }>(
      "select kind, fact_date from citizen_facts where source = 'social-welfare' and source_record_id = 'HS-77'",
    );
    expect(rows).toEqual([{ kind: 'BENEFIT_ENROLMENT', fact_date: today }]);
  });

  it('follows a licence through insert, update and delete: the update supersedes, the delete withdraws and unlinks', async () => {
    const facts = await run.pool.query<{ kind: string; withdrawn: boolean }>(
      "select kind, withdrawn_at is not null as withdrawn from citizen_facts where source = 'driver-licence' order by id",
    );
    expect(facts.rows).toEqual([
      { kind: 'LICENCE_ISSUED', withdrawn: true },
      { kind: 'LICENCE_RENEWED', withdrawn: true },
    ]);
    const links = await run.pool.query("select 1 from record_links where source = 'driver-licence'");
    expect(links.rowCount).toBe(0);
  });

  it('acknowledges a tombstone without dead-lettering it', async () => {
    expect(await listDeadLetters(run.kafka, run.admin, run.topics)).toEqual([]);
  });
});
