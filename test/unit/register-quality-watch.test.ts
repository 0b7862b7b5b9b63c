import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RegisterQualityWatch, type RegisterQualityWatchOptions } from '../../services/monitor/register-quality-watch.js';
import { createLogger } from '../../services/shared/observability/logger.js';
import type { RegisterFlow, RegisterPass } from '../../services/shared/reporting/register-quality.js';

const PASS: RegisterPass = {
  measuredAt: '2026-12-07T10:00:00.000Z',
  seconds: 0.05,
  citizens: 10,
  correct: { failingCitizens: 1, failingShare: 0.1, byRule: [{ code: 'PID_SEX_MISMATCH', citizens: 1 }] },
  complete: [{ field: 'address', filled: 9, fillRate: 0.9, filledBySources: 2, raisedBy: 0.2 }],
};
const FLOW: RegisterFlow = {
  measuredAt: '2026-12-07T10:05:00.000Z',
  clean: { possibleDuplicatePairs: 0, recordsInReview: 3, recordsUnlinked: 1 },
  live: { sinceSeconds: 3_600, applied: 40, p50Seconds: 0.2, p95Seconds: 0.5, p99Seconds: 0.9, oldestWaitingSeconds: 0 },
};

/** A watch over fakes, counting what it published. */
function watch(overrides: Partial<RegisterQualityWatchOptions> = {}) {
  const published = { passes: 0, flows: 0 };
  const quality = new RegisterQualityWatch({
    measurePass: async () => PASS,
    measureFlow: async () => FLOW,
    publishPass: () => void (published.passes += 1),
    publishFlow: () => void (published.flows += 1),
    intervalMs: 10,
    passMaxShare: 0.05,
    logger: createLogger({ level: 'silent' }),
    ...overrides,
  });
  return { quality, published };
}

describe("the monitor's watch over the register's qualities", () => {
  it('gives nothing for the four qualities until both parts have been measured', async () => {
    const { quality } = watch();
    await quality.flowOnce();
    expect(quality.current()).toBeNull();
  });

  it('gives the four qualities once both parts are measured, each part with its own time', async () => {
    const { quality } = watch();
    await quality.passOnce();
    await quality.flowOnce();
    expect(quality.current()).toEqual({
      measuredAt: FLOW.measuredAt,
      pass: { measuredAt: PASS.measuredAt, seconds: PASS.seconds },
      citizens: PASS.citizens,
      correct: PASS.correct,
      complete: PASS.complete,
      clean: FLOW.clean,
      live: FLOW.live,
    });
  });

  it('publishes clean and live though every pass fails', async () => {
    const { quality, published } = watch({ measurePass: () => Promise.reject(new Error('permission denied for table citizens')) });
    await quality.passOnce();
    await quality.flowOnce();
    expect(published).toEqual({ passes: 0, flows: 1 });
  });

  it('waits after a failed pass as long as after a pass that took as long', async () => {
    const { quality } = watch({
      passMaxShare: 0.001,
      measurePass: async () => {
        await sleep(50);
        throw new Error('canceling statement due to statement timeout');
      },
    });
    expect(await quality.passOnce()).toBeGreaterThanOrEqual(45 * 999);
  });

  it('measures clean and live every interval while a pass is under way', async () => {
    let finishPass!: (pass: RegisterPass) => void;
    const { quality, published } = watch({ measurePass: () => new Promise((resolve) => (finishPass = resolve)) });
    let running = true;
    const loops = quality.run(() => running);
    while (published.flows < 3) await sleep(5);
    expect(published.passes).toBe(0);
    running = false;
    finishPass(PASS);
    await loops;
    expect(published.passes).toBe(1);
  });
});
