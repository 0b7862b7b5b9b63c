import { createHash } from 'node:crypto';
import { canonicalJson } from '../canonical-json.js';

/**
 * A stable id for what a source said: the same event re-sent, redelivered or replayed from the
 * dead-letter topic gets the same id, so the store applies it once; two events that say different
 * things never share one, so the store never drops the second as a repeat of the first. A change
 * is identified by its time, its content and, for a change captured from a database, its place in
 * the database's log (`position`): one transaction's changes share their commit time, and a row
 * updated twice in it may even end where it began. A record read by a snapshot (`eventTime`
 * absent) is identified by its content alone: the time is when the snapshot read it, and a second
 * snapshot of the unchanged record must be the same observation.
 */
export function observationId(parts: {
  source: string;
  sourceSystem: string;
  recordId: string;
  changeType: string;
  eventType: string;
  contentDigest: string;
  eventTime?: number;
  position?: string;
}): string {
  const moment = parts.eventTime === undefined ? `content:${parts.contentDigest}` : `${parts.eventTime}:${parts.contentDigest}:${parts.position ?? ''}`;
  const text = [parts.source, parts.sourceSystem, parts.recordId, parts.changeType, parts.eventType, moment].join('\u001f');
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/**
 * A digest of everything an event says except when it was sent (`event_time`). A null field is
 * taken as absent: a publisher that moves to a schema version with a new optional field sends it
 * null, and the same event (re-sent, or a second snapshot of an unchanged record) must keep its
 * id, or the store would apply it again as a new observation of every record.
 */
export function contentDigest(event: Record<string, unknown>): string {
  const { event_time: _time, ...content } = event;
  return createHash('sha256')
    .update(canonicalJson(content, { nullAsAbsent: true }))
    .digest('hex')
    .slice(0, 32);
}
