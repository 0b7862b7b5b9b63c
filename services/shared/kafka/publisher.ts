import type { Message } from 'kafkajs';
import type { DancuProducer } from './client.js';
import type avro from 'avsc';
import { loadRecordSchema, type RecordTypeKey } from '../schemas/avro-files.js';
import type { SchemaRegistryClient } from './registry.js';
import { valueSubject } from '../schemas/topics.js';

export interface PublishReport {
  published: number;
  rejected: { index: number; problems: string[] }[];
}

/**
 * How a sectoral system sends events: each one is checked against the Avro schema first (a
 * value that does not fit is reported with the fields at fault and never sent), then encoded
 * with the registered schema id and produced in batches, keyed by the source record id.
 */
export async function publishEvents(options: {
  producer: DancuProducer;
  registry: SchemaRegistryClient;
  topic: string;
  record: RecordTypeKey;
  events: unknown[];
  batchSize?: number;
  onProgress?: (published: number) => void;
}): Promise<PublishReport> {
  const { producer, registry, topic, events } = options;
  const schema = loadRecordSchema(options.record);
  const schemaId = await registry.register(valueSubject(topic), schema.text);
  const report: PublishReport = { published: 0, rejected: [] };
  let batch: Message[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic, messages: batch, acks: -1 });
    report.published += batch.length;
    options.onProgress?.(report.published);
    batch = [];
  };
  for (const [index, event] of events.entries()) {
    const problems = schemaProblems(schema.type, event);
    if (problems.length > 0) {
      report.rejected.push({ index, problems });
      continue;
    }
    batch.push({ key: String((event as { source_record_id: string }).source_record_id), value: await registry.encode(schemaId, event) });
    if (batch.length >= (options.batchSize ?? 500)) await flush();
  }
  await flush();
  return report;
}

function schemaProblems(type: avro.Type, value: unknown): string[] {
  const problems: string[] = [];
  type.isValid(value, {
    errorHook: (path, _fieldValue, fieldType) => {
      problems.push(`${path.join('.') || '(record)'}: the value does not fit the schema type ${fieldType.typeName}`);
    },
  });
  return problems;
}
