import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegisterQuality } from '../../services/shared/reporting/register-quality.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { testLogger } from '../helpers/real-stack.js';
import { waitUntil } from '../helpers/wait.js';

/**
 * The monitor measures clean and live every interval (a second here) and passes over every
 * citizen only as often as its share of the time allows: a share so small that the first pass
 * is the only one this test can see.
 */
describe('the monitor spaces its passes over every citizen and measures the rest each interval', () => {
  const run = new IsolatedRun('register-pass', testLogger, { DANCU_MONITOR_QUALITY_INTERVAL_MS: '1000', DANCU_MONITOR_REGISTER_PASS_MAX_SHARE: '0.000001' });
  const url = (path: string) => `http://127.0.0.1:${run.httpPort('monitor')}${path}`;
  const quality = async () => ((await (await fetch(url('/api/status'))).json()) as { quality: RegisterQuality | null }).quality;
  let first: RegisterQuality;
  let later: RegisterQuality;

  beforeAll(async () => {
    await run.setUp({ register: generatePopulation(300, 404) });
    await run.startServices({ monitor: true });
    first = (await waitUntil(quality, (q) => q !== null, 30_000, 'the first register quality'))!;
    later = (await waitUntil(
      quality,
      (q) => q !== null && Date.parse(q.measuredAt) >= Date.parse(first.measuredAt) + 2_000,
      30_000,
      'clean and live measured again',
    ))!;
  }, 90_000);

  afterAll(async () => {
    await run.cleanUp();
  });

  it('counts the register in its first pass', () => {
    expect(first.citizens).toBe(300);
  });

  it('measures clean and live again while the pass waits its turn', () => {
    expect(later.pass).toEqual(first.pass);
  });

  it('exports how long the last pass took and when it ended', async () => {
    const text = await (await fetch(url('/metrics'))).text();
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(gauge('dancu_register_pass_seconds')).toBeCloseTo(first.pass.seconds, 6);
    expect(gauge('dancu_register_pass_timestamp_seconds')).toBe(Date.parse(first.pass.measuredAt) / 1000);
  });
});
