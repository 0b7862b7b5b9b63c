import { describe, expect, it } from 'vitest';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';

const plan = { population: 3000, records: 1500, absentShare: 0.2, seed: 5 };
const classic = generateLinkageSet(plan);
const hard = generateLinkageSet({ ...plan, profile: 'hard' });
const registered = new Map(hard.population.map((c) => [c.personal_id, c]));

describe('the hard synthetic profile', () => {
  it('leaves the classic set as it was: the hard dirt has its own random stream', () => {
    expect(generateLinkageSet({ ...plan, profile: 'classic' }).records).toEqual(classic.records);
  });

  it('dates some of the elderly by the year only in the register itself', () => {
    expect(hard.population.filter((c) => /^00\/00\/19[3-5]\d$/.test(c.date_of_birth)).length).toBeGreaterThan(100);
    expect(classic.population.some((c) => c.date_of_birth.startsWith('00/'))).toBe(false);
  });

  it('leaves more records without an ID than the classic profile', () => {
    const withoutId = (records: typeof hard.records) => records.filter((r) => r.personal_id === '').length;
    expect(withoutId(hard.records)).toBeGreaterThan(withoutId(classic.records) * 1.3);
  });

  it("puts a parent's ID on some children's records: a registered person of the child's family name, 20 to 40 years older", () => {
    const byCitizen = new Map(hard.population.map((c) => [c.citizen_id, c]));
    const year = (date: string) => Number(/\d{4}/.exec(date)?.[0]);
    const parents = hard.records.filter((r) => {
      const owner = registered.get(r.personal_id);
      const child = byCitizen.get(hard.truth.get(r.record_id) ?? '');
      if (!owner || !child || owner === child || owner.full_name.split(' ')[0] !== child.full_name.split(' ')[0]) return false;
      const gap = year(child.date_of_birth) - year(owner.date_of_birth);
      return gap >= 20 && gap <= 40;
    });
    expect(parents.length).toBeGreaterThan(5);
  });
});
