import { createHash } from 'node:crypto';

/**
 * A stable id for what a source said: the same event re-sent, redelivered or replayed from the
 * dead-letter topic gets the same id, so the store applies it once.
 */
export function observationId(parts: {
  source: string;
  sourceSystem: string;
  recordId: string;
  changeType: string;
  eventType: string;
  eventTime: number;
}): string {
  const text = [parts.source, parts.sourceSystem, parts.recordId, parts.changeType, parts.eventType, String(parts.eventTime)].join('\u001f');
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
