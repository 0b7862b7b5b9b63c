import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';

/**
 * A stable id for what a source said: the same event re-sent, redelivered or replayed from the
 * dead-letter topic gets the same id, so the store applies it once. A record read by a snapshot
 * (`contentDigest` given) is identified by its content instead of its time: the time is when the
 * snapshot read it, and a second snapshot of the unchanged record must be the same observation.
 */
export function observationId(parts: {
  source: string;
  sourceSystem: string;
  recordId: string;
  changeType: string;
  eventType: string;
  eventTime: number;
  contentDigest?: string;
}): string {
  const moment = parts.contentDigest === undefined ? String(parts.eventTime) : `content:${parts.contentDigest}`;
  const text = [parts.source, parts.sourceSystem, parts.recordId, parts.changeType, parts.eventType, moment].join('\u001f');
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** A digest of everything an event says except when it was sent (`event_time`). */
export function contentDigest(event: Record<string, unknown>): string {
  const { event_time: _time, ...content } = event;
  return createHash('sha256').update(canonicalJson(content)).digest('hex').slice(0, 32);
}
