import { describe, expect, it } from 'vitest';
import { loadRecordSchema, RECORD_TYPES, type RecordTypeKey } from '../../services/shared/schemas/avro-files.js';
import { generateCivilStatusStream } from '../../services/shared/synth/civil-status-stream.js';
import { generatePopulation } from '../../services/shared/synth/population.js';

describe('Avro schemas in schemas/', () => {
  it.each(Object.keys(RECORD_TYPES) as RecordTypeKey[])('builds a self-contained schema for %s', (key) => {
    const { text, type } = loadRecordSchema(key);
    expect(type.name).toBe(RECORD_TYPES[key]);
    expect(JSON.parse(text)).toMatchObject({ type: 'record' });
  });

  it('gives the same text each time, so registering twice gives one version', () => {
    expect(loadRecordSchema('linkDecision').text).toBe(loadRecordSchema('linkDecision').text);
  });

  it('documents every field of every record', () => {
    const undocumented: string[] = [];
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((branch) => visit(branch, path));
      if (!node || typeof node !== 'object') return;
      const record = node as { fields?: { name: string; doc?: string; type: unknown }[]; items?: unknown; values?: unknown };
      for (const field of record.fields ?? []) {
        if (!field.doc) undocumented.push(`${path}.${field.name}`);
        visit(field.type, `${path}.${field.name}`);
      }
      visit(record.items, path);
      visit(record.values, path);
    };
    for (const key of Object.keys(RECORD_TYPES) as RecordTypeKey[]) visit(JSON.parse(loadRecordSchema(key).text), key);
    expect(undocumented).toEqual([]);
  });

  it('accepts every synthetic civil-status event', () => {
    const { type } = loadRecordSchema('civilStatusEvent');
    const { events } = generateCivilStatusStream(
      generatePopulation(50, 1),
      { births: 10, deaths: 10, deathsWithoutId: 2, deathsWithWrongId: 2, invalid: 5 },
      3,
    );
    expect(events.filter((event) => !type.isValid(event))).toEqual([]);
  });
});
