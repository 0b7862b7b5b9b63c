import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../services/shared/errors.js';
import { deadLetterMessage, DLQ_HEADERS } from '../../services/shared/kafka/dead-letter.js';

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
});
