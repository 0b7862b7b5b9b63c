import { describe, expect, it } from 'vitest';
import { AgedSamples } from '../../services/shared/store/aged-samples.js';

/** Samples kept 1,000 ms, each added at its time on a clock the test moves on. */
function sampled(added: readonly [at: number, value: number][]): { samples: AgedSamples<number>; clock: { now: number } } {
  const clock = { now: 0 };
  const samples = new AgedSamples<number>(1_000, () => clock.now);
  for (const [at, value] of added) {
    clock.now = at;
    samples.add(value);
  }
  return { samples, clock };
}

describe('samples a pruner may delete below', () => {
  it('gives none until a sample is as old as the time kept', () => {
    const { samples, clock } = sampled([[0, 7]]);
    clock.now = 999;
    expect(samples.takeAged()).toBeNull();
  });

  it('gives the newest sample old enough, not a younger one', () => {
    const { samples, clock } = sampled([
      [0, 1],
      [500, 2],
      [900, 3],
    ]);
    clock.now = 1_600;
    expect(samples.takeAged()).toBe(2);
  });

  it('gives each aged sample once and keeps the younger ones for later', () => {
    const { samples, clock } = sampled([
      [0, 1],
      [800, 2],
    ]);
    clock.now = 1_000;
    expect([samples.takeAged(), samples.takeAged()]).toEqual([1, null]);
    clock.now = 1_800;
    expect(samples.takeAged()).toBe(2);
  });

  it('gives a sample at once when nothing is kept', () => {
    const samples = new AgedSamples<string>(0);
    samples.add('42');
    expect(samples.takeAged()).toBe('42');
  });
});
