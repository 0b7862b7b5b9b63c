import { describe, expect, it } from 'vitest';
import { ShadowTally, transitionOf, type ShadowSide } from '../../services/shared/linkage/shadow-tally.js';

const side = (decision: string, citizenId: string | null = null): ShadowSide => ({ decision, citizenId, score: 0.5, reason: 'R', explanation: null });

describe('a shadow run tally', () => {
  it('sees no change when both settings link the record to the same citizen', () => {
    expect(transitionOf(side('LINK', 'A'), side('LINK', 'A'))).toBeNull();
  });

  it('names a link that moves to another citizen as its own kind of change', () => {
    expect(transitionOf(side('LINK', 'A'), side('LINK', 'B'))).toBe('LINK → LINK (another citizen)');
  });

  it('names a change of decision by its two kinds', () => {
    expect(transitionOf(side('LINK', 'A'), side('REVIEW'))).toBe('LINK → REVIEW');
  });

  it('counts what stays by kind and what changes by transition', () => {
    const tally = new ShadowTally(2);
    tally.add('r1', 'vaccination', side('LINK', 'A'), side('LINK', 'A'));
    tally.add('r2', 'vaccination', side('NEW'), side('NEW'));
    tally.add('r3', 'vaccination', side('LINK', 'A'), side('REVIEW'));
    tally.keptBySteward();
    const summary = tally.summary();
    expect(summary).toMatchObject({ compared: 4, keptByStewards: 1, changed: 1, unchanged: { LINK: 1, NEW: 1 } });
    expect(summary.changes.map((change) => [change.transition, change.count])).toEqual([['LINK → REVIEW', 1]]);
  });

  it('keeps only the first examples of each change and explains only those', () => {
    const tally = new ShadowTally(2);
    let explained = 0;
    const explain = () => {
      explained += 1;
      return { current: side('LINK', 'A'), candidate: side('REVIEW') };
    };
    for (const id of ['r1', 'r2', 'r3', 'r4']) tally.add(id, 'social_welfare', side('LINK', 'A'), side('REVIEW'), explain);
    const [change] = tally.summary().changes;
    expect([change?.count, change?.examples.map((example) => example.recordId), explained]).toEqual([4, ['r1', 'r2'], 2]);
  });

  it('lists the most frequent change first', () => {
    const tally = new ShadowTally(0);
    tally.add('r1', 's', side('NEW'), side('REVIEW'));
    tally.add('r2', 's', side('LINK', 'A'), side('REVIEW'));
    tally.add('r3', 's', side('LINK', 'B'), side('REVIEW'));
    expect(tally.summary().changes.map((change) => change.transition)).toEqual(['LINK → REVIEW', 'NEW → REVIEW']);
  });
});
