import type { PersonObservation, PopulationUpdate, PopulationUpdateDraft, UpdateType } from '../../schemas/records.js';
import type { Change } from './citizen-state.js';
import type { OutboxRow } from './planned-rows.js';

/** A population update: what it is about and says (`head`), and what it came from (`origin`). */
export function populationUpdate(
  head: Pick<PopulationUpdateDraft, 'update_id' | 'citizen_id' | 'update_type' | 'fact' | 'changes' | 'related_citizen_id'>,
  origin: Pick<PersonObservation, 'source' | 'source_system' | 'source_record_id' | 'observation_id' | 'event_time'>,
  now: Date,
): PopulationUpdateDraft {
  return {
    ...head,
    source: origin.source,
    source_system: origin.source_system,
    source_record_id: origin.source_record_id,
    observation_id: origin.observation_id,
    event_time: origin.event_time,
    applied_at: now.getTime(),
  };
}

/** The update a change made by an observation publishes: named by the observation's source record and event time. */
export function observationUpdate(
  updateId: string,
  citizenId: string,
  updateType: UpdateType,
  o: PersonObservation,
  changes: Change[],
  fact: PopulationUpdate['fact'],
  now: Date,
): PopulationUpdateDraft {
  return populationUpdate({ update_id: updateId, citizen_id: citizenId, update_type: updateType, fact, changes, related_citizen_id: null }, o, now);
}

/** A population update as its outbox row. */
export function updateRow(update: PopulationUpdateDraft, topic: string): OutboxRow {
  return { event_id: update.update_id, topic, message_key: update.citizen_id, record_type: 'populationUpdate', payload: update };
}
