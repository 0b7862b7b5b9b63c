import { describe, expect, it } from 'vitest';
import { registerPassWaitMs } from '../../services/monitor/register-pass-schedule.js';
import { combineQuality, type RegisterFlow, type RegisterPass } from '../../services/shared/reporting/register-quality.js';

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

describe('the register’s qualities put together', () => {
  const pass: RegisterPass = {
    measuredAt: '2026-12-07T10:00:00.000Z',
    seconds: 21.5,
    citizens: 10,
    correct: { failingCitizens: 1, failingShare: 0.1, byRule: [{ code: 'PID_SEX_MISMATCH', citizens: 1 }] },
    complete: [{ field: 'address', filled: 9, fillRate: 0.9, filledBySources: 2, raisedBy: 0.2 }],
  };
  const flow: RegisterFlow = {
    measuredAt: '2026-12-07T10:05:00.000Z',
    clean: { possibleDuplicatePairs: 0, recordsInReview: 3, recordsUnlinked: 1 },
    live: { sinceSeconds: 3_600, applied: 40, p50Seconds: 0.2, p95Seconds: 0.5, p99Seconds: 0.9, oldestWaitingSeconds: 0 },
  };

  it('keeps the flow’s time as the measurement’s and the pass’s time and length beside it', () => {
    const quality = combineQuality(pass, flow);
    expect(quality.measuredAt).toBe(flow.measuredAt);
    expect(quality.pass).toEqual({ measuredAt: pass.measuredAt, seconds: 21.5 });
    expect(quality.correct).toBe(pass.correct);
    expect(quality.live).toBe(flow.live);
  });
});
