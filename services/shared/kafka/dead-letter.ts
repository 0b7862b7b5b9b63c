import type { IHeaders, Message } from 'kafkajs';
import type { DancuError } from '../errors.js';

export interface OriginalMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

/** Header names: Kafka Connect's `__connect.errors.*` (tools know them) plus dancu's reason code. */
export const DLQ_HEADERS = {
  topic: '__connect.errors.topic',
  partition: '__connect.errors.partition',
  offset: '__connect.errors.offset',
  stage: '__connect.errors.stage',
  exceptionClass: '__connect.errors.exception.class.name',
  exceptionMessage: '__connect.errors.exception.message',
  exceptionStacktrace: '__connect.errors.exception.stacktrace',
  reason: 'dancu.errors.reason',
  issues: 'dancu.errors.issues',
  recordId: 'dancu.errors.record.id',
  failedAt: 'dancu.errors.failed.at',
  sourceTable: 'dancu.errors.source.table',
  sourceKey: 'dancu.errors.source.key',
  sourceLsn: 'dancu.errors.source.lsn',
  valueOmitted: 'dancu.errors.value.omitted',
} as const;

const MAX_HEADER_CHARS = 8_000;

/** The broker's refusals of a message for its size (over message.max.bytes): a dead letter refused so goes without the message. */
const TOO_LARGE = new Set(['KAFKA_MESSAGE_TOO_LARGE', 'KAFKA_RECORD_LIST_TOO_LARGE']);

export function refusedForSize(refusal: DancuError): boolean {
  return TOO_LARGE.has(refusal.code);
}

/**
 * The dead letter for a message that cannot be processed: the original key, value and headers
 * byte for byte (so it can be replayed after a fix), and why, where and when it failed; for a
 * change captured from a sector's database, also the table, row key and LSN it came from.
 */
export function deadLetterMessage(original: OriginalMessage, error: DancuError, stage: string, now: Date): Message {
  const issues = 'issues' in error ? JSON.stringify(error.issues) : '';
  const headers: IHeaders = {
    ...(original.headers ?? {}),
    [DLQ_HEADERS.topic]: original.topic,
    [DLQ_HEADERS.partition]: String(original.partition),
    [DLQ_HEADERS.offset]: original.offset,
    [DLQ_HEADERS.stage]: stage,
    [DLQ_HEADERS.exceptionClass]: error.name,
    [DLQ_HEADERS.exceptionMessage]: error.message.slice(0, MAX_HEADER_CHARS),
    [DLQ_HEADERS.reason]: error.code,
    [DLQ_HEADERS.failedAt]: now.toISOString(),
  };
  if (issues) headers[DLQ_HEADERS.issues] = issues.slice(0, MAX_HEADER_CHARS);
  if (error.context.recordId) headers[DLQ_HEADERS.recordId] = error.context.recordId;
  if (error.context.sourceTable) headers[DLQ_HEADERS.sourceTable] = error.context.sourceTable;
  if (error.context.sourceKey) headers[DLQ_HEADERS.sourceKey] = error.context.sourceKey;
  if (error.context.sourceLsn) headers[DLQ_HEADERS.sourceLsn] = error.context.sourceLsn;
  if (error.code === 'INTERNAL_ERROR' && error.stack) headers[DLQ_HEADERS.exceptionStacktrace] = error.stack.slice(0, MAX_HEADER_CHARS);
  return { key: original.key, value: original.value, headers };
}

/**
 * The dead letter for a message whose full letter the broker refused (over its message.max.bytes,
 * with the headers the letter adds): why, where and when it failed, without the original key,
 * value and headers. The message itself is still in its source topic at the partition and offset
 * the letter names, until that topic's retention; a replay skips such a letter.
 */
export function valuelessDeadLetter(original: OriginalMessage, error: DancuError, stage: string, now: Date, refusal: string): Message {
  const letter = deadLetterMessage(
    { topic: original.topic, partition: original.partition, offset: original.offset, key: null, value: null },
    error,
    stage,
    now,
  );
  const omitted = `${original.value?.length ?? 0} bytes of value, the key and the original headers; the broker refused the letter with them (${refusal})`;
  return { ...letter, headers: { ...letter.headers, [DLQ_HEADERS.valueOmitted]: omitted } };
}
