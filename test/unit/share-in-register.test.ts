import { describe, expect, it } from 'vitest';
import { estimateParameters } from '../../services/shared/linkage/estimate.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { shareInRegister } from '../../services/shared/linkage/training.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const REGISTER = 1_000_000;

/** Likelihood sums by record id: `decisive` records with one overwhelming candidate, then `others` with the sum given. */
function sums(decisive: number, others: number, otherSum: number): Map<string, number> {
  const all = new Map<string, number>();
  for (let i = 0; i < decisive; i += 1) all.set(`D${i}`, 1e15);
  for (let i = 0; i < others; i += 1) all.set(`O${i}`, otherSum);
  return all;
}

describe("the share of records in the register, by EM at the register's size", () => {
  it('is the share of records with a decisive candidate when the others have no candidate', () => {
    expect(shareInRegister(sums(900, 0, 0), 1000, REGISTER)).toBeCloseTo(0.9, 3);
  });

  it('counts a namesake that the register holds by chance as a weak match, not a whole one', () => {
    // Name and date agree: a likelihood ratio of a ten-thousandth of the register's size, which a
    // register of a million people gives some namesake of one record in ten thousand by chance.
    expect(shareInRegister(sums(900, 100, REGISTER / 10_000), 1000, REGISTER)).toBeLessThan(0.901);
  });

  it('is 0 without records', () => {
    expect(shareInRegister(new Map(), 0, REGISTER)).toBe(0);
  });

  it('is read from unlabelled records within 0.02 of the true share on a hard set with 30% of its people unregistered', () => {
    const set = generateLinkageSet({ seed: 5, population: 10_000, records: 2000, absentShare: 0.3, profile: 'hard' });
    const registered = new Set(set.population.map((c) => c.citizen_id));
    const truth = set.records.filter((r) => registered.has(set.truth.get(r.record_id) ?? '')).length / set.records.length;
    const estimated = estimateParameters(
      loadSettings(),
      set.population.map((c) => toMatchRecord(c.citizen_id, c)),
      set.records.map((r) => toMatchRecord(r.record_id, r)),
      { asOf: '2026-12-04' },
    ).settings.probability_record_in_register;
    expect(Math.abs(estimated - truth)).toBeLessThan(0.02);
  });
});
