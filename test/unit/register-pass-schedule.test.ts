import { describe, expect, it } from 'vitest';
import { registerPassWaitMs } from '../../services/monitor/register-pass-schedule.js';

describe('the monitor’s pass over every citizen', () => {
  it('waits the configured interval after a pass that is quick beside it', () => {
    expect(registerPassWaitMs(2, 60_000, 0.05)).toBe(60_000);
  });

  it('rests nineteen times a long pass when the pass may take a twentieth of the time', () => {
    expect(registerPassWaitMs(20, 60_000, 0.05)).toBe(380_000);
  });

  it('keeps the pass to its share of the time, whatever the pass lasts', () => {
    for (const seconds of [4, 31.5, 200, 1_800]) {
      const wait = registerPassWaitMs(seconds, 60_000, 0.1);
      expect((seconds * 1000) / (seconds * 1000 + wait)).toBeLessThanOrEqual(0.1 + 1e-12);
    }
  });

  it('runs passes back to back when they may take all of the time, but never sooner than the interval', () => {
    expect(registerPassWaitMs(600, 60_000, 1)).toBe(60_000);
  });

  it('refuses a share that is not a fraction of the time', () => {
    expect(() => registerPassWaitMs(1, 60_000, 0)).toThrow(RangeError);
    expect(() => registerPassWaitMs(1, 60_000, 1.5)).toThrow(RangeError);
  });
});
