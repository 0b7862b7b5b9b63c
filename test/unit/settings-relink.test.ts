import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { checkPromotable, currentVersionOf, rollbackTarget, standingVersions } from '../../services/shared/linkage/settings-history.js';
import { decisiveMove, relinkOutcome, type StandingLink } from '../../services/shared/register/settings-relink.js';
import type { LinkDecision } from '../../services/shared/schemas/records.js';

const THRESHOLDS = loadSettings().thresholds;
const LINKED_TO_A: StandingLink = { citizenId: 'A', method: 'PROBABILISTIC', createdByRecord: false };

type Redecided = Pick<LinkDecision, 'decision' | 'citizen_id' | 'score' | 'reason' | 'candidates'>;
const linkTo = (citizen: string, aScore: number | null, overrides: Partial<Redecided> = {}): Redecided => ({
  decision: 'LINK',
  citizen_id: citizen,
  score: 0.99999,
  reason: 'MATCH',
  candidates: [{ citizen_id: citizen, score: 0.99999 }, ...(aScore === null ? [] : [{ citizen_id: 'A', score: aScore }])],
  ...overrides,
});
const below = THRESHOLDS.review_probability / 10;

describe('what new settings do to a record already linked', () => {
  it('keeps the link when the new settings link the record to the same citizen', () => {
    expect(relinkOutcome(LINKED_TO_A, linkTo('A', null))).toBe('KEEP');
  });

  it('sends a link that would move to another citizen to a steward when the citizen linked now still reaches review', () => {
    expect(relinkOutcome(LINKED_TO_A, linkTo('B', THRESHOLDS.review_probability))).toBe('REVIEW_MOVED');
  });

  it('calls the new evidence decisive when it is a clear match elsewhere and the citizen linked now is below the review threshold', () => {
    expect(decisiveMove(LINKED_TO_A, linkTo('B', below), THRESHOLDS)).toBe(true);
  });

  it('sends even a decisive move to a steward: the link stays until they decide', () => {
    expect(relinkOutcome(LINKED_TO_A, linkTo('B', below))).toBe('REVIEW_MOVED');
  });

  it('does not call a move decisive when the new settings never weighed the citizen linked now', () => {
    expect(decisiveMove(LINKED_TO_A, linkTo('B', null), THRESHOLDS)).toBe(false);
  });

  it('does not call a move decisive when the new link is below the link threshold', () => {
    expect(decisiveMove(LINKED_TO_A, linkTo('B', below, { score: THRESHOLDS.review_probability, reason: 'BETWEEN_THRESHOLDS' }), THRESHOLDS)).toBe(false);
  });

  it('keeps the link and asks a steward when the new settings would send the record to review', () => {
    expect(relinkOutcome(LINKED_TO_A, { decision: 'REVIEW', citizen_id: null, score: 0.5, reason: 'BETWEEN_THRESHOLDS', candidates: [] })).toBe(
      'REVIEW_DOUBTED',
    );
  });

  it('keeps the link and asks a steward when the new settings would leave the record unlinked', () => {
    expect(relinkOutcome(LINKED_TO_A, { decision: 'UNLINKED', citizen_id: null, score: 0, reason: 'NO_MATCH', candidates: [] })).toBe('REVIEW_DOUBTED');
  });

  it("keeps a steward's link whatever the new settings decide", () => {
    expect(relinkOutcome({ ...LINKED_TO_A, method: 'STEWARD' }, linkTo('B', below))).toBe('STEWARD_KEEPS');
  });
});

describe('the history of the current settings', () => {
  const entries = [
    { action: 'BOOTSTRAP' as const, version: 'v1' },
    { action: 'PROMOTE' as const, version: 'v2' },
    { action: 'PROMOTE' as const, version: 'v3' },
  ];

  it('makes the latest promotion current', () => {
    expect(currentVersionOf(entries)).toBe('v3');
  });

  it('rolls back to the version current before the current one', () => {
    expect(rollbackTarget(entries)).toEqual({ from: 'v3', to: 'v2' });
  });

  it('goes two steps back after two rollbacks, not back and forth', () => {
    const once = [...entries, { action: 'ROLLBACK' as const, version: 'v2' }];
    expect(standingVersions(once)).toEqual(['v1', 'v2']);
    expect(rollbackTarget(once)).toEqual({ from: 'v2', to: 'v1' });
  });

  it('refuses in one line a rollback with nothing before the current version', () => {
    expect(() => rollbackTarget([{ action: 'BOOTSTRAP', version: 'v1' }])).toThrow(/no earlier settings version/);
  });

  it('refuses to promote the version already current', () => {
    expect(() => checkPromotable(entries, 'v3')).toThrow(/already current/);
  });

  it('has no current version before any was made current', () => {
    expect(currentVersionOf([])).toBeNull();
  });
});
