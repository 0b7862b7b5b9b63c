import { describe, expect, it } from 'vitest';
import { currentObservations, deletionAfter } from '../../services/shared/linkage/current-observations.js';
import { observation } from '../fixtures/link-decisions.js';

describe('the observations that stand for their records now (what a settings change may send back)', () => {
  it('keeps only the latest observation of a record, by event time, whatever the order read', () => {
    const created = observation({ source_record_id: 'rec-a', event_time: 1_000 });
    const updated = observation({ source_record_id: 'rec-a', change_type: 'UPDATE', event_time: 2_000 });
    expect(currentObservations([updated, created])).toEqual([updated]);
  });

  it('keeps the one read later of two observations of a record with the same times', () => {
    const first = observation({ source_record_id: 'rec-b', event_time: 1_000, ingested_at: 5 });
    const second = observation({ source_record_id: 'rec-b', change_type: 'UPDATE', event_time: 1_000, ingested_at: 5 });
    expect(currentObservations([first, second])).toEqual([second]);
  });

  it('sends back no observation of a record whose latest is a deletion', () => {
    const created = observation({ source_record_id: 'rec-c', event_time: 1_000 });
    const deleted = observation({ source_record_id: 'rec-c', change_type: 'DELETE', event_time: 2_000 });
    expect(currentObservations([created, deleted])).toEqual([]);
  });

  it('keeps records of the same id from two source systems apart', () => {
    const civil = observation({ source_system: 'civil-a', source_record_id: 'rec-d' });
    const other = observation({ source_system: 'civil-b', source_record_id: 'rec-d' });
    expect(currentObservations([civil, other])).toEqual([civil, other]);
  });
});

describe("a record's deletion after an event (the store sets the event aside; a steward may only reject its case)", () => {
  const event = observation({ source_record_id: 'rec-s', event_time: 1_000, ingested_at: 5 });

  it('finds a deletion the register kept after the event', () => {
    const deletion = { observation_id: 'obs-deleted', event_time: 2_000, ingested_at: 0 };
    expect(deletionAfter(event, [deletion])).toBe(deletion);
  });

  it('finds none when the record was deleted before the event and observed again', () => {
    const deletion = { observation_id: 'obs-deleted', event_time: 500, ingested_at: 0 };
    expect(deletionAfter(event, [deletion])).toBeNull();
  });

  it('counts a deletion with the same times as the event as after it', () => {
    const deletion = { observation_id: 'obs-deleted', event_time: 1_000, ingested_at: 5 };
    expect(deletionAfter(event, [deletion])).toBe(deletion);
  });
});
