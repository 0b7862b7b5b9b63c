import { generatePopulation, type SyntheticCitizen } from './population.js';
import { generateHardCases, type HardCases } from './review-cases.js';
import { DEFAULT_DAY_PLAN, generateSectorDay, type SectorDay, type SectorDayPlan } from './sector-day.js';

/** The demo's register size and day scale when not told otherwise (`npm run demo` options). */
export const DEMO_DEFAULTS = { population: 5000, scale: 1 } as const;

/** Of each kind of hard case (a contradicted ID, a namesake, a person registered twice). */
const HARD_CASES_PER_KIND = 5;

/** The demo's data: the register it loads, the records no engine should decide alone, and its day of all four sources. */
export interface DemoData {
  population: SyntheticCitizen[];
  /** The rows loaded into the register: the population, one in ten without an address, then the hard cases' citizens. */
  register: SyntheticCitizen[];
  hard: HardCases;
  day: SectorDay;
}

/** The default day plan with every count multiplied by `scale`. */
function scaledPlan(scale: number): SectorDayPlan {
  return Object.fromEntries(Object.entries(DEFAULT_DAY_PLAN).map(([key, value]) => [key, Math.round(value * scale)])) as unknown as SectorDayPlan;
}

/**
 * What `npm run demo` generates, with its seeds, for a day ending at `now`: shared with the test
 * that links the demo's day on many dates, so the two cannot drift apart.
 */
export function generateDemoData(populationSize: number, scale: number, now = new Date()): DemoData {
  const population = generatePopulation(populationSize, 2026);
  // Some records no engine should decide alone, and people registered twice: work for the stewards.
  const hard = generateHardCases(population, HARD_CASES_PER_KIND, 11, now);
  // The register lacks some addresses, as real ones do: the sectors can fill them.
  const register = [...population.map((citizen, i) => (i % 10 === 0 ? { ...citizen, address: '' } : citizen)), ...hard.register];
  return { population, register, hard, day: generateSectorDay(population, scaledPlan(scale), 7, now) };
}
