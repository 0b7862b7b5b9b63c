import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../services/shared/errors.js';
import { deadLetterMessage, DLQ_HEADERS, valuelessDeadLetter } from '../../services/shared/kafka/dead-letter.js';
import { replayDeadLetters, replayMessage, toEntry } from '../../services/shared/kafka/dead-letters.js';
import { topicsFor } from '../../services/shared/schemas/topics.js';

describe('dead letters', () => {
  const original = {
    topic: 'sector.civil-status.v1',
    partition: 2,
    offset: '17',
    key: Buffer.from('KS-1'),
    value: Buffer.from([0, 1, 2, 3]),
    headers: { trace: 'abc' },
  };
  const error = new ValidationError(
    [
      { code: 'NAME_MISSING', path: 'person.full_name', message: 'the full name is required' },
      { code: 'PID_FORMAT', path: 'person.personal_id', message: 'a personal ID has 12 digits' },
    ],
    { recordId: 'KS-1' },
  );
  const letter = deadLetterMessage(original, error, 'ingest', new Date('2026-11-27T00:00:00Z'));

  it('keeps the original key, value and headers byte for byte', () => {
    expect([letter.key, letter.value, letter.headers?.trace]).toEqual([original.key, original.value, 'abc']);
  });

  it('says where the message came from, in Kafka Connect header names', () => {
    expect([
      letter.headers?.[DLQ_HEADERS.topic],
      letter.headers?.[DLQ_HEADERS.partition],
      letter.headers?.[DLQ_HEADERS.offset],
      letter.headers?.[DLQ_HEADERS.stage],
    ]).toEqual(['sector.civil-status.v1', '2', '17', 'ingest']);
  });

  it('carries the reason code and every issue', () => {
    expect(letter.headers?.[DLQ_HEADERS.reason]).toBe('VALIDATION_FAILED');
    expect(JSON.parse(String(letter.headers?.[DLQ_HEADERS.issues])).map((issue: { code: string }) => issue.code)).toEqual(['NAME_MISSING', 'PID_FORMAT']);
  });

  it("names a captured change's table, row key and LSN, for the sector to find the row; a replay leaves them out", () => {
    const topics = topicsFor('');
    const change = { ...original, topic: topics.vaccinationCdc, key: Buffer.from('{"vaccination_id":42}'), headers: {} };
    const failed = new ValidationError([{ code: 'VACCINATION_DATE_INVALID', path: 'vaccination.date_administered', message: 'the date must be a full day' }], {
      recordId: '42',
      sourceTable: 'public.vaccinations',
      sourceKey: '{"vaccination_id":42}',
      sourceLsn: '0/16B3748',
    });
    const written = deadLetterMessage(change, failed, 'ingest', new Date('2026-11-27T00:00:00Z'));
    const entry = toEntry(topics, { ...written, topic: topics.deadLetters, partition: 0, offset: '3', timestamp: '0', attributes: 0 } as never);
    expect([entry.source, entry.recordId, entry.sourceTable, entry.sourceKey, entry.sourceLsn]).toEqual([
      'vaccination',
      '42',
      'public.vaccinations',
      '{"vaccination_id":42}',
      '0/16B3748',
    ]);
    expect(Object.keys(replayMessage(entry).headers ?? {}).filter((name) => name.startsWith('dancu.errors.'))).toEqual([]);
  });

  it('writes a letter without the message when the broker refused it whole, saying where the message is, and a replay sends nothing for it', async () => {
    const topics = topicsFor('');
    const written = valuelessDeadLetter(
      { ...original, topic: topics.civilStatus },
      error,
      'ingest',
      new Date('2026-11-27T00:00:00Z'),
      'KAFKA_MESSAGE_TOO_LARGE',
    );
    const entry = toEntry(topics, { ...written, topic: topics.deadLetters, partition: 0, offset: '4', timestamp: '0', attributes: 0 } as never);
    const sent: unknown[] = [];
    const producer = { sendBatch: async (batch: unknown) => void sent.push(batch) } as never;
    expect([written.key, written.value, written.headers?.trace, entry.sourceTopic, entry.sourcePartition, entry.sourceOffset, entry.reason]).toEqual([
      null,
      null,
      undefined,
      topics.civilStatus,
      2,
      '17',
      'VALIDATION_FAILED',
    ]);
    expect([entry.valueOmitted?.includes('KAFKA_MESSAGE_TOO_LARGE'), await replayDeadLetters(producer, [entry]), sent.length]).toEqual([true, 0, 0]);
  });
});
