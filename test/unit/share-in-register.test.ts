import { describe, expect, it } from 'vitest';
import { estimateParameters } from '../../services/shared/linkage/estimate.js';
import { ageBandOf, dayNumber } from '../../services/shared/linkage/age-prior.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { shareInRegister } from '../../services/shared/linkage/training.js';
import { convergenceLine } from '../../services/cli/commands/link-csv-command.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const REGISTER = 1_000_000;

/** Likelihood sums, one per record: `decisive` records with one overwhelming candidate, then `others` with the sum given. */
function sums(decisive: number, others: number, otherSum: number): number[] {
  return [...Array.from({ length: decisive }, () => 1e15), ...Array.from({ length: others }, () => otherSum)];
}

describe("the share of records in the register, by EM at the register's size", () => {
  it('reports its EM as not converged where the likelihood is flat near a share of 1 and the share creeps', () => {
    // Every record's candidates about as likely as the register's size: weak evidence that all of them are registered.
    const creeping = [...Array.from({ length: 700 }, () => 1.2 * REGISTER), ...Array.from({ length: 300 }, () => 0.8 * REGISTER)];
    expect(shareInRegister(creeping, REGISTER).converged).toBe(false);
  });

  it('reports its EM as converged where the records are told apart', () => {
    expect(shareInRegister(sums(900, 100, 0), REGISTER).converged).toBe(true);
  });

  it('makes link-csv say so on stderr, and say nothing when it converged', () => {
    expect([convergenceLine({ em_converged: false }), convergenceLine({ em_converged: true })]).toEqual([
      expect.stringMatching(/^EM did not converge .*--parameters committed/),
      '',
    ]);
  });

  it('is the share of records with a decisive candidate when the others have no candidate', () => {
    expect(shareInRegister(sums(900, 100, 0), REGISTER).share).toBeCloseTo(0.9, 3);
  });

  it('counts records whose best candidate agrees too weakly to outweigh the register’s size as hardly registered', () => {
    // A likelihood ratio of a ten-thousandth of the register's size: some weak agreement of a record no one registered.
    expect(shareInRegister(sums(900, 100, REGISTER / 10_000), REGISTER).share).toBeLessThan(0.901);
  });

  it('weighs no one in the register at 1 - share: two records in three when four in ten have a candidate a tenth as likely as the register is large', () => {
    // p = 0.6 + 0.4 · 0.1p / (0.1p + 1 - p) has its fixed point at 2/3; weighing no one at 1 instead of 1 - p would give 0.623.
    expect(shareInRegister(sums(600, 400, REGISTER / 10), REGISTER).share).toBeCloseTo(2 / 3, 4);
  });

  it('is 0 without records', () => {
    expect(shareInRegister([], REGISTER).share).toBe(0);
  });

  it('gives a band without records the share it is shrunk towards', () => {
    expect(shareInRegister([], REGISTER, { share: 0.9, records: 10 }).share).toBe(0.9);
  });

  it('gives a band none of whose records has a candidate only its pseudo-count’s worth of the share', () => {
    expect(shareInRegister(sums(0, 90, 0), REGISTER, { share: 0.9, records: 10 }).share).toBeCloseTo((10 * 0.9) / 100, 6);
  });

  it('is read from unlabelled records within 0.02 of the true share on a hard set with 30% of its people unregistered', () => {
    const set = generateLinkageSet({ seed: 5, population: 10_000, records: 2000, absentShare: 0.3, profile: 'hard' });
    const registered = new Set(set.population.map((c) => c.citizen_id));
    const truth = set.records.filter((r) => registered.has(set.truth.get(r.record_id) ?? '')).length / set.records.length;
    const estimated = estimateParameters(
      loadSettings(),
      set.population.map((c) => toMatchRecord(c.citizen_id, c)),
      set.records.map((r) => toMatchRecord(r.record_id, r)),
    ).settings.probability_record_in_register;
    expect(Math.abs(estimated - truth)).toBeLessThan(0.02);
  });

  it('is read, with a reference day, over the records in no age band (the only ones given it), within 0.02 of their true share', () => {
    const settings = loadSettings();
    const set = generateLinkageSet({ seed: 5, population: 10_000, records: 2000, absentShare: 0.3, profile: 'hard' });
    const registered = new Set(set.population.map((c) => c.citizen_id));
    const records = set.records.map((r) => toMatchRecord(r.record_id, r));
    const adults = records.filter((r) => ageBandOf(settings.prior_by_age, r, dayNumber('2026-12-04')) === -1);
    const truth = adults.filter((r) => registered.has(set.truth.get(r.id) ?? '')).length / adults.length;
    const estimated = estimateParameters(
      settings,
      set.population.map((c) => toMatchRecord(c.citizen_id, c)),
      records,
      { asOf: '2026-12-04' },
    ).settings.probability_record_in_register;
    expect([adults.length < records.length, Math.abs(estimated - truth) < 0.02]).toEqual([true, true]);
  });
});
