import type { PersonObservation } from '../schemas/records.js';

const recordOf = (o: PersonObservation) => `${o.source}\u0000${o.source_system}\u0000${o.source_record_id}`;

/** Whether `a` comes after `b` in its record's life: the later event, then the later ingested; a tie keeps the later one in the list (the topic's order). */
export const later = (a: EventTimes, b: EventTimes) => a.event_time > b.event_time || (a.event_time === b.event_time && a.ingested_at >= b.ingested_at);

/** What an event's place in its record's life is told by. */
export type EventTimes = Pick<PersonObservation, 'event_time' | 'ingested_at'>;

/**
 * The first of a record's deletions at its source that comes after the event (a tie is the
 * deletion's), or null: the event is then of a life of the record its source ended. The store sets
 * such an event aside, and a steward may only reject its case, by this one rule.
 */
export function deletionAfter<D extends EventTimes>(event: EventTimes, deletions: Iterable<D>): D | null {
  for (const deletion of deletions) if (later(deletion, event)) return deletion;
  return null;
}

/**
 * The observations that stand for their records as they are now: of each source record, only
 * its latest observation, and none of a record whose latest is a deletion (it is linked to no
 * one any more). A settings change sends back only these: an older update or a deletion decided
 * again would undo what the record's later observations made, and two of one record sent back
 * together could be applied in either order.
 */
export function currentObservations(observations: readonly PersonObservation[]): PersonObservation[] {
  const latest = new Map<string, PersonObservation>();
  for (const o of observations) {
    const seen = latest.get(recordOf(o));
    if (!seen || later(o, seen)) latest.set(recordOf(o), o);
  }
  return [...latest.values()].filter((o) => o.change_type !== 'DELETE');
}
