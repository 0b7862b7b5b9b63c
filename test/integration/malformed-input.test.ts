import type { Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters, type DeadLetterEntry } from '../../services/shared/kafka/dead-letters.js';
import { valueSubject } from '../../services/shared/schemas/topics.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { envelope, source, vaccinationRow } from '../fixtures/debezium.js';
import { personOf, vaccinationEvent } from '../fixtures/sector-events.js';
import { IsolatedRun } from '../helpers/isolated-run.js';

interface Case {
  what: string;
  value: Buffer | null;
  /** The reason or rule code the dead letter must carry; null for an event that must be applied. */
  reason: string | null;
  cdc?: boolean;
}

describe('malformed input of every kind is dead-lettered with its reason while the events around it are applied', () => {
  const run = new IsolatedRun('malformed');
  const cases: Case[] = [];
  let letters: DeadLetterEntry[];

  beforeAll(async () => {
    const population = generatePopulation(200, 31);
    await run.setUp({ register: population });

    const schemaId = await run.registry.register(valueSubject(run.topics.vaccination), loadRecordSchema('vaccinationEvent').text);
    const wrongSchema = JSON.parse(loadRecordSchema('vaccinationEvent').text) as {
      fields: { name: string; type: { fields?: { name: string; type: unknown }[] } }[];
    };
    const details = wrongSchema.fields.find((field) => field.name === 'vaccination')!.type.fields!;
    details.find((field) => field.name === 'dose_number')!.type = 'string';
    const wrongSchemaId = await run.registry.register(`${run.namespace}-other-value`, JSON.stringify(wrongSchema));

    const encode = (event: unknown, id = schemaId) => run.registry.encode(id, event);
    let n = 0;
    const valid = async () =>
      cases.push({ what: 'a valid event', value: await encode(vaccinationEvent(personOf(population[n]!), `ok-${(n += 1)}`)), reason: null });
    const utf8Broken = await encode(vaccinationEvent(personOf(population[50]!, { full_name: 'Nguyen Van X' }), 'bad-utf8'));
    utf8Broken[utf8Broken.indexOf(Buffer.from('Van X')) + 4] = 0xff;
    const truncated = await encode(vaccinationEvent(personOf(population[51]!), 'truncated'));
    const wrongType = await encode(
      {
        ...vaccinationEvent(personOf(population[52]!), 'wrong-type'),
        vaccination: { ...vaccinationEvent(personOf(population[52]!), 'x').vaccination, dose_number: '1' },
      },
      wrongSchemaId,
    );

    await valid();
    cases.push({ what: 'bytes that are not Avro', value: Buffer.from('{"not":"avro"}'), reason: 'DECODE_FAILED' });
    await valid();
    cases.push({ what: 'an unknown schema id', value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2, 4]), reason: 'DECODE_FAILED' });
    cases.push({ what: 'a wrong magic byte', value: Buffer.from([1, 0, 0, 0, 1, 2, 3]), reason: 'DECODE_FAILED' });
    await valid();
    cases.push({ what: 'a truncated message', value: truncated.subarray(0, truncated.length - 12), reason: 'DECODE_FAILED' });
    cases.push({ what: 'a field of the wrong type', value: wrongType, reason: 'FIELD_INVALID' });
    await valid();
    cases.push({
      what: 'a 5 MB payload',
      value: await encode(vaccinationEvent(personOf(population[53]!, { address: 'x'.repeat(5 * 1024 * 1024) }), 'huge')),
      reason: 'PAYLOAD_TOO_LARGE',
    });
    cases.push({
      what: 'SQL in a name',
      value: await encode(vaccinationEvent(personOf(population[54]!, { full_name: "Lê Văn A'); DROP TABLE citizens; --" }), 'sql')),
      reason: 'NAME_INVALID_CHARACTERS',
    });
    cases.push({
      what: 'control characters in a name',
      value: await encode(vaccinationEvent(personOf(population[55]!, { full_name: 'Lê Văn\u0007\u001b[31m An' }), 'control')),
      reason: 'TEXT_CONTROL_CHARACTERS',
    });
    cases.push({ what: 'invalid UTF-8 in a name', value: utf8Broken, reason: 'TEXT_INVALID_UTF8' });
    cases.push({ what: 'an empty message', value: Buffer.alloc(0), reason: 'DECODE_FAILED' });
    await valid();
    cases.push({ what: 'change data that is not JSON', value: Buffer.from('{"before": null, "after": '), reason: 'DECODE_FAILED', cdc: true });
    cases.push({ what: 'change data that is not UTF-8', value: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), reason: 'TEXT_INVALID_UTF8', cdc: true });
    const cdcValid = vaccinationRow(
      'MT-ok',
      population[60]!.personal_id,
      population[60]!.full_name,
      population[60]!.date_of_birth,
      new Date().toISOString().slice(0, 10),
    );
    cases.push({
      what: 'a valid change-data event',
      value: Buffer.from(JSON.stringify(envelope('c', null, cdcValid, source('tiemchung', 'tiem_chung', Date.now() - 1000)))),
      reason: null,
      cdc: true,
    });

    await run.startServices();
    const toMessages = (cdc: boolean): Message[] => cases.filter((c) => Boolean(c.cdc) === cdc).map((c) => ({ value: c.value, partition: 0 }));
    await run.producer.send({ topic: run.topics.vaccination, messages: toMessages(false), acks: -1 });
    await run.producer.send({ topic: run.topics.vaccinationCdc, messages: [...toMessages(true), { value: null, partition: 0 }], acks: -1 });
    await run.waitUntilDrained(120_000);
    letters = await listDeadLetters(run.kafka, run.admin, run.topics);
  });

  afterAll(async () => {
    await run.cleanUp();
  });

  it('dead-letters each malformed input with its reason, at its own offset', () => {
    const offsets = { events: 0, cdc: 0 };
    const expected = new Map<string, Case>();
    for (const c of cases) {
      const position = c.cdc ? `${run.topics.vaccinationCdc}@${offsets.cdc++}` : `${run.topics.vaccination}@${offsets.events++}`;
      if (c.reason) expected.set(position, c);
    }
    const found = letters.map((letter) => {
      const position = `${letter.sourceTopic}@${letter.sourceOffset}`;
      const c = expected.get(position);
      const codes = [letter.reason, ...letter.issues.map((issue) => issue.code)];
      return `${c?.what ?? 'no malformed input'} at ${position}: ${codes.includes(c?.reason ?? '') ? c?.reason : codes.join(',')}`;
    });
    expect(found.sort()).toEqual([...expected].map(([position, c]) => `${c.what} at ${position}: ${c.reason}`).sort());
  });

  it('applies every valid event around them', async () => {
    const { rows } = await run.pool.query<{ n: string }>("select count(*) as n from observation_outcomes where source = 'vaccination' and outcome = 'LINKED'");
    expect(Number(rows[0]?.n)).toBe(cases.filter((c) => c.reason === null).length);
  });

  it('keeps the original bytes of a dead letter, even of 5 MB', () => {
    const huge = cases.find((c) => c.reason === 'PAYLOAD_TOO_LARGE')!;
    const letter = letters.find((l) => l.reason === 'PAYLOAD_TOO_LARGE');
    expect(letter?.original.value?.equals(huge.value!)).toBe(true);
  });

  it('accounts for every message: applied, dead-lettered, or a change-data tombstone', async () => {
    const received = (await run.messageCount(run.topics.vaccination)) + (await run.messageCount(run.topics.vaccinationCdc));
    const { rows } = await run.pool.query<{ n: string }>("select count(*) as n from observation_outcomes where source = 'vaccination'");
    const tombstones = 1;
    expect(Number(rows[0]?.n) + letters.length + tombstones).toBe(received);
  });
});
