import { describe, expect, it } from 'vitest';
import { checkPersonalId, idPrefix } from '../../services/shared/normalise/personal-id.js';
import { RuleReport } from '../../services/shared/quality/rule-report.js';
import { SeededRandom } from '../../services/shared/random.js';
import { idOfPrefix, tallyCorrectness, type IdRuleGroup } from '../../services/shared/reporting/register-correctness.js';

const codesOf = (id: string, sex: 'MALE' | 'FEMALE' | null, year: number | null) => {
  const report = new RuleReport();
  checkPersonalId(id, sex, year, 'personal_id', report);
  return report.findings.map((finding) => finding.code);
};

const group = (prefix: string | null, sex: string | null, year: string | null, citizens: number): IdRuleGroup => ({ prefix, sex, year, citizens });

describe('correct, counted from groups of citizens alike for the ID’s rules', () => {
  it('judges every ID as the ID made of its first six characters, whatever its length', () => {
    const random = new SeededRandom(606);
    for (let i = 0; i < 5_000; i += 1) {
      const id = Array.from({ length: random.int(0, 14) }, () => (random.chance(0.02) ? 'x' : String(random.int(0, 9)))).join('');
      const sex = random.pick(['MALE', 'FEMALE', null] as const);
      const year = random.chance(0.1) ? null : random.int(1900, 2030);
      expect(codesOf(idOfPrefix(id.slice(0, 6)), sex, year)).toEqual(codesOf(id, sex, year));
    }
  });

  it('counts every citizen of a group whose ID disagrees with their sex, once for each rule broken', () => {
    const wrongSexAndYear = idPrefix('001', 'MALE', 1990);
    const { failingCitizens, byRule } = tallyCorrectness(
      [group(wrongSexAndYear, 'FEMALE', '1991', 4), group(idPrefix('001', 'MALE', 1990), 'MALE', '1990', 100)],
      [],
    );
    expect(failingCitizens).toBe(4);
    expect(Object.fromEntries(byRule)).toEqual({ PID_SEX_MISMATCH: 4, PID_BIRTH_YEAR_MISMATCH: 4 });
  });

  it('leaves out citizens without an ID from the ID’s rules', () => {
    expect(tallyCorrectness([group(null, 'MALE', '1990', 50)], []).failingCitizens).toBe(0);
  });

  it('counts a citizen the store found a disagreement about, once however many findings', () => {
    const fine = idPrefix('079', 'FEMALE', 1985);
    const { failingCitizens, byRule } = tallyCorrectness(
      [group(fine, 'FEMALE', '1985', 10)],
      [
        { citizenId: 'C-1', code: 'SOURCE_DISAGREES_WITH_REGISTER', prefix: fine, sex: 'FEMALE', year: '1985' },
        { citizenId: 'C-1', code: 'FACT_AFTER_DEATH', prefix: fine, sex: 'FEMALE', year: '1985' },
        { citizenId: 'C-2', code: 'FACT_AFTER_DEATH', prefix: null, sex: 'MALE', year: '1950' },
      ],
    );
    expect(failingCitizens).toBe(2);
    expect(Object.fromEntries(byRule)).toEqual({ SOURCE_DISAGREES_WITH_REGISTER: 1, FACT_AFTER_DEATH: 2 });
  });

  it('does not count twice a citizen failing the ID’s rules and with a finding too', () => {
    const wrongSex = idPrefix('001', 'MALE', 1990);
    const { failingCitizens, byRule } = tallyCorrectness(
      [group(wrongSex, 'FEMALE', '1990', 3)],
      [{ citizenId: 'C-9', code: 'FACT_AFTER_DEATH', prefix: wrongSex, sex: 'FEMALE', year: '1990' }],
    );
    expect(failingCitizens).toBe(3);
    expect(Object.fromEntries(byRule)).toEqual({ PID_SEX_MISMATCH: 3, FACT_AFTER_DEATH: 1 });
  });
});
