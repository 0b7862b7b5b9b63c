import { describe, expect, it } from 'vitest';
import { appliedNote, liveFactOf, observationToApply, type StandingLink } from '../../services/shared/review/standing-link-plan.js';
import { observation } from '../fixtures/link-decisions.js';

describe("what a steward's decision on a standing link applies, and what its undo puts back", () => {
  const opened = observation({ source_record_id: 'rec-s', event_time: 1_000, attempt: 2 });

  it('applies the observation the link holds when the record was observed again after the case opened', () => {
    const later = observation({ source_record_id: 'rec-s', change_type: 'UPDATE', event_time: 2_000 });
    expect(observationToApply(opened, later)).toBe(later);
  });

  it("applies the case's observation, at the case's attempt, when the link holds the same one", () => {
    expect(observationToApply(opened, { ...opened, attempt: 0 })).toBe(opened);
  });

  it("applies the case's observation when the link holds an older one that arrived after it", () => {
    const older = observation({ source_record_id: 'rec-s', change_type: 'UPDATE', event_time: 500 });
    expect(observationToApply(opened, older)).toBe(opened);
  });

  it("applies the case's observation when the link holds none (linked before the register kept them)", () => {
    expect(observationToApply(opened, null)).toBe(opened);
  });

  it('applies nothing when the latest observation of the record is its deletion', () => {
    const deleted = observation({ source_record_id: 'rec-s', change_type: 'DELETE', event_time: 2_000 });
    expect(observationToApply(opened, deleted)).toBeNull();
  });

  it("names the observation applied in the explanation when it is not the case's", () => {
    const later = observation({ source_record_id: 'rec-s', change_type: 'UPDATE', event_time: 2_000 });
    expect([appliedNote(opened, opened), appliedNote(opened, later)]).toEqual([
      '',
      ` Applied the record's latest observation (${later.observation_id}), received after the case was opened.`,
    ]);
  });

  it('gives back the live fact of the observation a restored link names, not one its update withdrew', () => {
    const fact = { kind: 'VACCINATION', fact_date: '2026-02-10', details: { vaccine: 'BCG' } };
    const standing: StandingLink = {
      link: null,
      facts: [
        { ...fact, observation_id: 'obs-old', withdrawn_at: '2026-02-11T00:00:00Z' },
        { ...fact, fact_date: '2026-02-11', observation_id: 'obs-new', withdrawn_at: null },
      ],
    };
    expect([liveFactOf(standing, 'obs-new'), liveFactOf(standing, 'obs-old')]).toEqual([
      { kind: 'VACCINATION', date: '2026-02-11', details: { vaccine: 'BCG' } },
      null,
    ]);
  });
});
