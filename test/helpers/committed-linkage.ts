import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { generatePopulation } from '../../services/shared/synth/population.js';

/**
 * The committed settings over a synthetic register of 2,000 (from `seed`) and the citizens a test
 * adds by id: what unit tests of a linkage decision decide against. Synthetic people only.
 */
export function committedLinkage(seed: number) {
  const settings = loadSettings();
  const background = generatePopulation(2000, seed).map((c) => toMatchRecord(c.citizen_id, c));
  const over = (citizens: Record<string, RawPerson>) =>
    inMemoryLinkage(settings, [...background, ...Object.entries(citizens).map(([id, person]) => toMatchRecord(id, person))]);
  return {
    settings,
    background,
    over,
    /** The engine's decision on `record` against the register with `citizens` added. */
    decide: (citizens: Record<string, RawPerson>, record: RawPerson) => {
      const { engine, source } = over(citizens);
      const match = toMatchRecord('R1', record);
      return engine.decide(match, source.candidatesOf(match));
    },
    /** The level `comparison` reaches for `record` against `citizen` alone. */
    levelOf: (comparison: string, record: RawPerson, citizen: RawPerson): string | undefined => {
      const { engine } = inMemoryLinkage(settings, [toMatchRecord('C', citizen)]);
      return engine
        .explainEach(toMatchRecord('R1', record), [toMatchRecord('C', citizen)])[0]
        ?.explanation?.comparisons.find((c) => c.comparison === comparison)?.level;
    },
  };
}
