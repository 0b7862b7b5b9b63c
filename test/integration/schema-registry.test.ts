import { afterAll, describe, expect, it } from 'vitest';
import { DecodeError, UnavailableError } from '../../services/shared/errors.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import { SchemaRegistryClient } from '../../services/shared/kafka/registry.js';
import type { PopulationUpdate } from '../../services/shared/schemas/records.js';
import { config, uniqueName } from '../helpers/real-stack.js';
import { deleteSubject } from '../helpers/registry-artifacts.js';

const update: PopulationUpdate = {
  update_id: 'u-1',
  citizen_id: 'c-1',
  update_type: 'DEATH_RECORDED',
  fact: null,
  changes: [{ field: 'status', old_value: 'ALIVE', new_value: 'DECEASED' }],
  related_citizen_id: null,
  source: 'civil-status',
  source_system: 'hotich-test',
  source_record_id: 'KT-1',
  observation_id: 'o-1',
  event_time: 1_790_000_000_000,
  applied_at: 1_790_000_000_500,
  citizen_version: 3,
};

describe('the Confluent-compatible API of Apicurio Registry', () => {
  const registry = new SchemaRegistryClient(config.DANCU_SCHEMA_REGISTRY_URL);
  const topic = uniqueName('registry');
  const subject = `${topic}-value`;
  const raced = `${uniqueName('race')}-value`;

  afterAll(async () => {
    for (const made of [subject, raced]) await deleteSubject(config.DANCU_SCHEMA_REGISTRY_URL, made);
  });

  it('registers a new subject and gives the same id when the same schema is registered again', async () => {
    const first = await registry.registerValueSchema(topic, 'populationUpdate');
    expect(await registry.registerValueSchema(topic, 'populationUpdate')).toBe(first);
  });

  it('gives every instance the same id when several register a new subject at the same moment', async () => {
    const clients = Array.from({ length: 4 }, () => new SchemaRegistryClient(config.DANCU_SCHEMA_REGISTRY_URL));
    const ids = await Promise.all(clients.map((client) => client.register(raced, loadRecordSchema('populationUpdate').text)));
    expect(new Set(ids).size).toBe(1);
  });

  it('sets BACKWARD compatibility on the subject', async () => {
    await registry.registerValueSchema(topic, 'populationUpdate');
    expect(await registry.compatibility(subject)).toBe('BACKWARD');
  });

  it('refuses a change that breaks BACKWARD compatibility', async () => {
    await registry.registerValueSchema(topic, 'populationUpdate');
    const broken = JSON.parse(loadRecordSchema('populationUpdate').text) as { fields: { name: string }[] };
    broken.fields.push({ name: 'required_without_default', type: 'string' } as never);
    await expect(registry.register(subject, JSON.stringify(broken))).rejects.toThrow(/409|incompatible/i);
  });

  it('encodes and decodes a record in the wire format', async () => {
    const id = await registry.registerValueSchema(topic, 'populationUpdate');
    const bytes = await registry.encode(id, update);
    expect([bytes[0], bytes.readInt32BE(1)]).toEqual([0, id]);
    expect({ ...(await registry.decode<PopulationUpdate>(bytes)) }).toEqual({ ...update, changes: [expect.objectContaining(update.changes[0])] });
  });

  it('calls bytes with an unknown schema id a decode error', async () => {
    await expect(registry.decode(Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 2]))).rejects.toBeInstanceOf(DecodeError);
  });

  it('calls a registry that does not answer unavailable, so the work is retried', async () => {
    const away = new SchemaRegistryClient('http://127.0.0.1:9/apis/ccompat/v7');
    await expect(away.decode(Buffer.from([0, 0, 0, 0, 1, 2]))).rejects.toBeInstanceOf(UnavailableError);
  });
});
