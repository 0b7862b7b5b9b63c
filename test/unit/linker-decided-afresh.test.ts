import { describe, expect, it } from 'vitest';
import { decidedAfresh } from '../../services/linker/linker-stage.js';

/** Whether the linker decides a record afresh, without the citizen its source record is linked to. */
describe('a record sent back by a change, as the linker decides it', () => {
  it('is decided afresh when no case holds its event waiting, whatever observation its link holds (none kept before migration 020, an older event received late)', () => {
    expect(decidedAfresh({ waiting: false })).toBe(true);
  });

  it('is a later event of the record, following the link or not, when its event waits in its case', () => {
    expect(decidedAfresh({ waiting: true })).toBe(false);
  });

  it('follows the link when no change sent it back', () => {
    expect(decidedAfresh(undefined)).toBe(false);
  });
});
