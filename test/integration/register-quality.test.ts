import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../services/shared/paths.js';
import type { RegisterQuality } from '../../services/shared/reporting/register-quality.js';
import { generatePopulation, type SyntheticCitizen } from '../../services/shared/synth/population.js';
import { generateSectorDay } from '../../services/shared/synth/sector-day.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { encodeDay, sendInOrder } from '../helpers/sector-stream.js';

const run_ = promisify(execFile);
const POPULATION = generatePopulation(500, 4242);
const DAY = generateSectorDay(
  POPULATION,
  { births: 20, deaths: 10, marriages: 4, nameChanges: 0, vaccinations: 150, newbornVaccinations: 0, benefits: 100, licences: 50, invalidPerSource: 0 },
  42420,
  new Date(),
);
/** Ten citizens some sector writes about, registered with no address: the sectors can fill it. */
const NO_ADDRESS = new Set(
  [...DAY.truth.about]
    .filter(([record]) => /^(TC|GPLX)/.test(record))
    .map(([, citizen]) => citizen)
    .slice(0, 10),
);
/** Three citizens whose recorded sex contradicts their ID's century-and-sex digit. */
const WRONG_SEX = new Set(
  POPULATION.filter((c) => !NO_ADDRESS.has(c.citizen_id))
    .slice(0, 3)
    .map((c) => c.citizen_id),
);
const REGISTER: SyntheticCitizen[] = POPULATION.map((c) => {
  if (WRONG_SEX.has(c.citizen_id)) return { ...c, sex: c.sex === 'MALE' ? 'FEMALE' : 'MALE' };
  if (NO_ADDRESS.has(c.citizen_id)) return { ...c, address: '' };
  return c;
});

describe('dancu quality register: the register as numbers, correct, complete, clean and live', () => {
  const run = new IsolatedRun('register-quality');
  let quality: RegisterQuality;

  beforeAll(async () => {
    await run.setUp({ register: REGISTER });
    await run.startServices();
    await sendInOrder(run.producer, await encodeDay(run.registry, run.topics, DAY));
    await run.waitUntilDrained(120_000);
    const { stdout } = await run_('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'quality', 'register', '--json'], { env: run.env });
    quality = JSON.parse(stdout) as RegisterQuality;
  }, 240_000);

  afterAll(async () => {
    await run.cleanUp();
  });

  it('counts the citizens: the register and the births of the day', () => {
    expect(quality.citizens).toBe(500 + DAY.truth.civilStatus.births.length);
  });

  it('finds each citizen whose sex contradicts their personal ID (correct)', () => {
    expect(quality.correct.byRule.find((r) => r.code === 'PID_SEX_MISMATCH')?.citizens).toBe(3);
    expect(quality.correct.failingShare).toBeCloseTo(quality.correct.failingCitizens / quality.citizens, 10);
  });

  it('gives the fill rate of every field and how many values the sectors filled (complete)', () => {
    const address = quality.complete.find((f) => f.field === 'address')!;
    const name_ = quality.complete.find((f) => f.field === 'full_name')!;
    expect(name_.fillRate).toBe(1);
    expect(address.fillRate).toBeCloseTo(address.filled / quality.citizens, 10);
    expect(address.filledBySources).toBeGreaterThan(0);
    expect(address.filledBySources).toBeLessThanOrEqual(10);
  });

  it('counts what waits for a steward (clean)', () => {
    expect(quality.clean).toEqual({ possibleDuplicatePairs: 0, recordsInReview: expect.any(Number) as number, recordsUnlinked: 0 });
  });

  it('gives the end-to-end latency of the events just applied, and nothing waiting once drained (live)', () => {
    const { applied, p50Seconds, p99Seconds, oldestWaitingSeconds } = quality.live;
    expect(applied).toBeGreaterThan(300);
    expect(p50Seconds).toBeGreaterThan(0);
    expect(p99Seconds!).toBeGreaterThanOrEqual(p50Seconds!);
    expect(oldestWaitingSeconds ?? 0).toBe(0);
  });
});
