import { describe, expect, it } from 'vitest';
import { decidedAfresh, decidedByEngineAlone } from '../../services/linker/chunk-decisions.js';

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

/** Which records a deterministic link may settle on their first candidates: those the engine alone decides. */
describe('a record the engine alone decides', () => {
  it('is one no steward constrains and no earlier link speaks for', () => {
    expect(decidedByEngineAlone({ constrained: false, linkedBefore: false, sentBack: undefined })).toBe(true);
  });

  it("is not one a steward's must-link or cannot-link speaks for, even sent back by a change", () => {
    expect(decidedByEngineAlone({ constrained: true, linkedBefore: false, sentBack: { waiting: false } })).toBe(false);
  });

  it('is not a later event of a linked source record, which follows its link', () => {
    expect(decidedByEngineAlone({ constrained: false, linkedBefore: true, sentBack: undefined })).toBe(false);
  });

  it('is a linked record a change sent back to be decided afresh', () => {
    expect(decidedByEngineAlone({ constrained: false, linkedBefore: true, sentBack: { waiting: false } })).toBe(true);
  });
});
