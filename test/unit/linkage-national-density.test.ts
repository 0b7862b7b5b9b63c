import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { neverLinkTest, posteriorOfFirst, probabilityOf } from '../../services/shared/linkage/scoring.js';
import { loadSettings, type LinkageSettings } from '../../services/shared/linkage/settings.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { HUNG } from '../fixtures/linkage-people.js';

// The false links of the national-density bench (issue 14, item 3), each as a small register.
const settings = loadSettings();
const background = generatePopulation(2000, 99).map((c) => toMatchRecord(c.citizen_id, c));

function decide(register: RawPerson[], record: RawPerson, using: LinkageSettings = settings) {
  const citizens = [...background, ...register.map((person, i) => toMatchRecord(`C${i}`, person))];
  const { engine, source } = inMemoryLinkage(using, citizens);
  const match = toMatchRecord('R1', record);
  return engine.decide(match, source.candidatesOf(match));
}

describe("a household member's ID on a record without a date of birth", () => {
  const address = 'Số 233, thôn 4, xã Thống Nhất Nam, Long An';
  const father: RawPerson = { personal_id: '080094752020', full_name: 'Trần Văn Thịnh', date_of_birth: '1994-09-07', sex: 'M', address };
  const daughter: RawPerson = { personal_id: '080319907304', full_name: 'Trần Thị Tươi', date_of_birth: '2019-08-20', sex: 'F', address };
  const record: RawPerson = { personal_id: father.personal_id, full_name: 'Trần Thị Tươi', date_of_birth: null, sex: null, address };

  it('is never linked to the ID holder when the given names are different people’s', () => {
    const decision = decide([father], record);
    expect(decision.decision).not.toBe('LINK');
  });

  it('is not linked to the ID holder when the person the name belongs to is registered at the same address', () => {
    const decision = decide([father, daughter], record);
    expect(decision.decision === 'LINK' ? decision.citizenId : decision.decision).toMatch(/^(C1|REVIEW)$/);
  });

  it('still links a record with the ID and the same name but no date of birth', () => {
    const decision = decide([father, daughter], { ...record, full_name: father.full_name });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('was linked to the ID holder without the rule that a name or a date must agree', () => {
    const without = { ...settings, link_requires_agreement: settings.link_requires_agreement.slice(0, 2) };
    const decision = decide([father], record, without);
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });
});

describe("a relative's ID a generation apart, with a given name one letter off", () => {
  const address = 'Số 59, đường Hai Bà Trưng, xã Tân Lập Tây, Hà Nội';
  const daughter: RawPerson = { personal_id: '001312424896', full_name: 'Nguyễn Thị Na', date_of_birth: '2012-12-10', sex: 'F', address };
  const mother: RawPerson = { personal_id: daughter.personal_id, full_name: 'Nguyễn Thị Nga', date_of_birth: '1964-09-21', sex: 'F', address };

  it('takes the daughter’s ID on the mother’s record for another generation’s: never linked to the daughter, the mother not registered yet', () => {
    const decision = decide([daughter], mother);
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['NEW', 'GUARDIAN_ID', null]);
  });

  it('sends the mother’s record to a steward without the guardian rule, since a name or a date must agree for a link', () => {
    const decision = decide([daughter], mother, { ...settings, guardian_id: undefined });
    expect([decision.decision, decision.citizenId]).toEqual(['REVIEW', null]);
  });

  it('was linked to the daughter without the guardian, generations and agreement rules: a given name a letter off is too weak', () => {
    const without = {
      ...settings,
      guardian_id: undefined,
      never_link: settings.never_link.filter((rule) => rule.name !== 'generations'),
      link_requires_agreement: settings.link_requires_agreement.slice(0, 2),
    };
    const decision = decide([daughter], mother, without);
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('still links the same ID and the same name with a birth year mistyped by a decade', () => {
    const decision = decide([daughter], { ...daughter, date_of_birth: '1992-12-10' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });
});

describe("the best candidate's probability against all the record's candidates", () => {
  it('is the pair probability when there is one candidate', () => {
    expect(posteriorOfFirst([7.5])).toBeCloseTo(probabilityOf(7.5), 12);
  });

  it('is under a half for each of two candidates that score alike, however high', () => {
    expect(posteriorOfFirst([40, 40])).toBeCloseTo(0.5, 9);
  });

  it('sends a record with two namesakes born the same day to a steward, never takes it for a new person', () => {
    const overAll = { ...settings, thresholds: { ...settings.thresholds, posterior_over_candidates: true } };
    const lua: RawPerson = {
      personal_id: '040182157589',
      full_name: 'Huỳnh Thị Lụa',
      date_of_birth: '1982-07-16',
      sex: 'F',
      address: 'Số 213, thôn 12, Nghệ An',
    };
    const namesake: RawPerson = { ...lua, personal_id: '079182000123', address: 'Số 5, đường Lê Lợi, Hồ Chí Minh' };
    const decision = decide(
      [lua, namesake],
      { personal_id: null, full_name: lua.full_name, date_of_birth: lua.date_of_birth, sex: 'F', address: null },
      overAll,
    );
    expect([decision.decision, decision.citizenId]).toEqual(['REVIEW', null]);
    expect(decision.score).toBeLessThan(0.5);
  });

  it('is lowered by a namesake born the day before, where the pair probability is not', () => {
    const mai: RawPerson = {
      personal_id: '025300389017',
      full_name: 'Nguyễn Thanh Mai',
      date_of_birth: '2000-12-04',
      sex: 'F',
      address: 'Số 191, thôn 9, phường Hòa Bình, Đồng Tháp',
    };
    const namesake: RawPerson = { ...mai, personal_id: '025300686794', date_of_birth: '2000-12-03', address: 'Số 162, đường Lê Lợi, Phú Thọ' };
    const record: RawPerson = { personal_id: null, full_name: 'Nguyen Thanh Mai', date_of_birth: '2000-12-04', sex: 'F', address: null };
    const overAll = { ...settings, thresholds: { ...settings.thresholds, posterior_over_candidates: true } };
    const pair = decide([mai, namesake], record, { ...overAll, thresholds: { ...overAll.thresholds, posterior_over_candidates: false } });
    const all = decide([mai, namesake], record, overAll);
    expect(all.score).toBeLessThan(pair.score);
  });
});

describe("a record's own ID that is not the candidate's", () => {
  const hung = HUNG;
  const namesake: RawPerson = { personal_id: '001087765432', full_name: 'Nguyễn Văn Hùng', date_of_birth: '1987-03-14', sex: 'M', address: null };

  it('keeps a same-day namesake carrying his own ID from being linked to the registered one', () => {
    const decision = decide([hung], namesake);
    expect(decision.decision).not.toBe('LINK');
  });

  it("names the own_ids never_link rule when the namesake's evidence would otherwise link him", () => {
    const decision = decide([hung], { ...namesake, address: hung.address });
    expect([decision.decision, decision.reason, decision.explanation?.summary]).toEqual([
      'REVIEW',
      'NEVER_LINK_RULE',
      expect.stringContaining('never_link rule "own_ids"'),
    ]);
  });

  it('still links a record whose own ID has one digit mistyped', () => {
    const decision = decide([hung], { ...namesake, personal_id: '079087123459', address: hung.address });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it("still links a child's record carrying a parent's ID, another birth year's, on the child's name, date and address", () => {
    const child: RawPerson = {
      personal_id: '079321000017',
      full_name: 'Nguyễn Thị Lan',
      date_of_birth: '2021-05-02',
      sex: 'F',
      address: 'Số 12 Lê Lợi, Hồ Chí Minh',
    };
    const decision = decide([hung, child], { ...child, personal_id: '079087999999' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C1']);
  });
});

describe('never_link rules between two register citizens', () => {
  const a = toMatchRecord('A', { personal_id: '079087123456', full_name: 'Nguyễn Văn Hùng', date_of_birth: '1987-03-14', sex: 'M', address: null });
  const b = toMatchRecord('B', { personal_id: '001087765432', full_name: 'Nguyễn Văn Hùng', date_of_birth: '1987-03-14', sex: 'M', address: null });

  it('leave out a rule the settings keep to sector records', () => {
    expect([neverLinkTest(settings)(a, b)?.name, neverLinkTest(settings, 'citizens')(a, b)]).toEqual(['own_ids', null]);
  });

  it('keep a rule that does not say otherwise', () => {
    const twin = toMatchRecord('T', { personal_id: '079087123457', full_name: 'Nguyễn Văn Dũng', date_of_birth: '1987-03-14', sex: 'M', address: null });
    expect(neverLinkTest(settings, 'citizens')(a, twin)?.name).toBe('twins');
  });
});
