import { describe, expect, it } from 'vitest';
import { decidedAfresh } from '../../services/linker/linker-stage.js';
import { observation } from '../fixtures/link-decisions.js';
import { REGISTERED_TU } from '../helpers/citizen-fixtures.js';

/** Whether the linker decides a record afresh, without the citizen its source record is linked to. */
describe('a record sent back by a change, as the linker decides it', () => {
  const sent = observation({ attempt: 1, source: 'vaccination', event_type: 'VACCINATION' });
  const linkedBy = (observationId: string | null) => ({ ...REGISTERED_TU, linked_observation_id: observationId });

  it('is decided afresh when its link holds this very observation: the link is the question', () => {
    expect(decidedAfresh(sent, true, linkedBy(sent.observation_id))).toBe(true);
  });

  it('is decided afresh when its source record is not linked', () => {
    expect(decidedAfresh(sent, true, undefined)).toBe(true);
  });

  it('is a later event of the record, following the link or not, when the link holds another observation (an event waiting in its case)', () => {
    expect(decidedAfresh(sent, true, linkedBy('obs-earlier'))).toBe(false);
  });

  it('follows the link when no change sent it back', () => {
    expect(decidedAfresh(sent, false, linkedBy(sent.observation_id))).toBe(false);
  });
});
