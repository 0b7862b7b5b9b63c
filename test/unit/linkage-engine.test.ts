import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { estimateParameters } from '../../services/shared/linkage/estimate.js';
import { explanationFromEvidence } from '../../services/shared/linkage/evidence.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { neverLinkTest } from '../../services/shared/linkage/scoring.js';
import { loadSettings, parseSettings } from '../../services/shared/linkage/settings.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';
import { HUNG } from '../fixtures/linkage-people.js';

const settings = loadSettings();
const background = generatePopulation(2000, 99).map((c) => toMatchRecord(c.citizen_id, c));
const hung = HUNG;
const twin: RawPerson = {
  personal_id: '079087654321',
  full_name: 'Nguyễn Văn Dũng',
  date_of_birth: '1987-03-14',
  sex: 'M',
  address: 'Số 12 Lê Lợi, Hồ Chí Minh',
};

/** A girl registered under a placeholder (a sector's copy), and her twin's own new ID. */
const PLACEHOLDER = '000000000000';
const HAN: RawPerson = {
  personal_id: PLACEHOLDER,
  full_name: 'Lò Thị Ngọc Hân',
  date_of_birth: '2019-03-17',
  sex: 'F',
  address: 'Số 41 bản Hua Pục, xã Mường Giôn, Sơn La',
};
const TWINS_OWN_ID = '014319640275';

function decide(register: RawPerson[], record: RawPerson) {
  const citizens = [...background, ...register.map((person, i) => toMatchRecord(`C${i}`, person))];
  const { engine, source } = inMemoryLinkage(settings, citizens);
  const match = toMatchRecord('R1', record);
  return engine.decide(match, source.candidatesOf(match));
}

describe('the linkage engine', () => {
  it('links a record written without diacritics, in capitals, with only the birth year', () => {
    const decision = decide([hung, twin], { ...hung, full_name: 'NGUYEN VAN HUNG', date_of_birth: '1987' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('never links an ID whose name and date of birth both contradict the citizen', () => {
    const decision = decide([hung], { personal_id: hung.personal_id, full_name: 'Trần Thị Mai', date_of_birth: '1990-01-01', sex: 'F', address: null });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_CONTRADICTED']);
  });

  it("names a contradicted ID as the reason for review whatever the best other candidate's score, and never links it", () => {
    const mai: RawPerson = { personal_id: '001190000123', full_name: 'Trần Thị Mai', date_of_birth: '1990-01-01', sex: 'F', address: 'Số 3 Hàng Bạc, Hà Nội' };
    const decision = decide([hung, mai], { personal_id: hung.personal_id, full_name: mai.full_name, date_of_birth: '1990', sex: 'F', address: null });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_CONTRADICTED']);
    expect(decision.candidates.map((c) => c.citizen_id)).toEqual(expect.arrayContaining(['C0', 'C1']));
    expect(decision.explanation?.summary).toContain('personal ID belongs to a citizen');
  });

  it('does not link a twin missing from the register to the twin who is in it', () => {
    const decision = decide([hung], { ...twin, personal_id: null });
    expect(decision.decision).not.toBe('LINK');
  });

  it("does not link a twin whose own ID is one digit from her registered sister's, when the given names differ", () => {
    const decision = decide([hung], { ...twin, personal_id: '079087123457' });
    expect([decision.decision, decision.citizenId]).toEqual(['REVIEW', null]);
  });

  it("names the twins' never_link rule as the reason a twin with a consecutive ID goes to a steward, not a required field", () => {
    const decision = decide([hung], { ...twin, personal_id: '079087123457' });
    expect([decision.reason, decision.candidates[0]?.citizen_id]).toEqual(['NEVER_LINK_RULE', 'C0']);
  });

  it("gives the twins' rule by name and its sentence as the review's summary", () => {
    const decision = decide([hung], { ...twin, personal_id: '079087123457' });
    const sentence = settings.never_link.find((rule) => rule.name === 'twins')!.sentence;
    expect(decision.explanation?.summary).toBe(`The never_link rule "twins" holds: ${sentence}`);
  });

  it("does not link a twin's birth with her own ID to her sister registered under a placeholder, when the given names are a letter apart", () => {
    const decision = decide([HAN], { ...HAN, personal_id: TWINS_OWN_ID, full_name: 'Lò Thị Ngọc Hà' });
    expect([decision.decision, decision.reason, decision.candidates[0]?.citizen_id]).toEqual(['REVIEW', 'NEVER_LINK_RULE', 'C0']);
    expect(decision.explanation?.summary).toContain('never_link rule "twin_of_a_placeholder"');
  });

  it("does not link a twin's birth with her own ID to her sister registered without any ID, when the given names are a letter apart", () => {
    const decision = decide([{ ...HAN, personal_id: null }], { ...HAN, personal_id: TWINS_OWN_ID, full_name: 'Lò Thị Ngọc Hà' });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'NEVER_LINK_RULE']);
  });

  it('links a record without an ID to a citizen with an ID of her own when the given names are a letter apart', () => {
    const decision = decide([{ ...HAN, personal_id: TWINS_OWN_ID }], { ...HAN, personal_id: null, full_name: 'Lò Thị Ngọc Hà' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('links a record without an ID to a citizen without one when the given names are a letter apart: the rule needs the record to carry an ID', () => {
    const decision = decide([{ ...HAN, personal_id: null }], { ...HAN, personal_id: null, full_name: 'Lò Thị Ngọc Hà' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('links a record carrying a placeholder to a citizen without an ID when the given names are a letter apart: a placeholder is no ID of its own', () => {
    const decision = decide([{ ...HAN, personal_id: null }], { ...HAN, full_name: 'Lò Thị Ngọc Hà' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('links a record carrying a placeholder to a citizen with an ID of her own when the given names are a letter apart, as it links a record without an ID', () => {
    const decision = decide([{ ...HAN, personal_id: TWINS_OWN_ID }], { ...HAN, full_name: 'Lò Thị Ngọc Hà' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it("does not hold the placeholder twins' rule between two register citizens: the duplicate scan and merges read it as any pair", () => {
    const [copy, own] = [toMatchRecord('A', HAN), toMatchRecord('B', { ...HAN, personal_id: TWINS_OWN_ID, full_name: 'Lò Thị Ngọc Hà' })];
    expect([neverLinkTest(settings)(own, copy)?.name, neverLinkTest(settings, 'citizens')(own, copy)]).toEqual(['twin_of_a_placeholder', null]);
  });

  it('still links a record with its own ID to a citizen registered under a placeholder when the given names agree', () => {
    const decision = decide([HAN], { ...HAN, personal_id: TWINS_OWN_ID });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it("names the generations' never_link rule as the reason a record with a citizen's ID, born 18 years apart under another given name, goes to a steward", () => {
    const decision = decide([hung], { ...hung, full_name: 'Nguyễn Văn Hùnh', date_of_birth: '1969-03-14' });
    expect([decision.decision, decision.reason, decision.candidates[0]?.citizen_id]).toEqual(['REVIEW', 'NEVER_LINK_RULE', 'C0']);
    expect(decision.explanation?.summary).toContain('never_link rule "generations"');
  });

  it("sends to a steward a newborn's record carrying her mother's ID when the mother bears the same given name under another middle name", () => {
    const mother: RawPerson = { personal_id: '046301561802', full_name: 'Lê Thu Loan', date_of_birth: '2001-05-02', sex: 'F', address: null };
    const decision = decide([mother], { ...mother, full_name: 'Lê Thị Loan', date_of_birth: '2026-11-25', address: 'Số 32 Lý Thường Kiệt, Cần Thơ' });
    expect([decision.decision, decision.reason, decision.candidates[0]?.citizen_id]).toEqual(['REVIEW', 'NEVER_LINK_RULE', 'C0']);
    expect(decision.explanation?.summary).toContain('never_link rule "generations"');
  });

  it("does not hold the generations' rule on two-word names whose given names agree and family names differ by a letter", () => {
    const record = toMatchRecord('R', { ...hung, full_name: 'Trần Hùng', date_of_birth: '1969-03-14' });
    const citizen = toMatchRecord('C', { ...hung, full_name: 'Trấn Hùng' });
    expect(neverLinkTest(settings)(record, citizen)).toBeNull();
  });

  it('still links a record whose ID has a one-digit typo when the name agrees', () => {
    const decision = decide([hung, twin], { ...hung, personal_id: '079087123457' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('sends a record to review when two candidates score alike', () => {
    const namesake = { ...hung, personal_id: '079087999999', address: 'Số 40 Quang Trung, Hồ Chí Minh' };
    const decision = decide([hung, { ...namesake }], {
      full_name: hung.full_name,
      date_of_birth: hung.date_of_birth,
      sex: 'M',
      personal_id: null,
      address: null,
    });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'AMBIGUOUS']);
  });

  it('does not link a namesake born days apart on name, sex and month of birth alone (no ID, no address)', () => {
    const born17 = { personal_id: null, full_name: 'Phạm Văn Sơn', date_of_birth: '2026-10-17', sex: 'M', address: null };
    const namesake = { personal_id: '094226491945', full_name: 'Phạm Văn Sơn', date_of_birth: '2026-10-20', sex: 'M', address: 'Số 33 Quang Trung, Sóc Trăng' };
    const decision = decide([namesake], born17);
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'REQUIRED_FIELD_DISAGREES']);
  });

  it('still links the same record to its citizen when the full date of birth agrees', () => {
    const born17 = { personal_id: null, full_name: 'Phạm Văn Sơn', date_of_birth: '2026-10-17', sex: 'M', address: null };
    const self = { personal_id: '022226813611', full_name: 'Phạm Văn Sơn', date_of_birth: '2026-10-17', sex: 'M', address: 'Số 65 Hùng Vương, Quảng Ninh' };
    const decision = decide([self], born17);
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('decides new when no citizen shares a blocking key', () => {
    const decision = decide([hung], { full_name: 'Lý Thị Xuân', date_of_birth: '2026-01-02', personal_id: '001326000001', sex: 'F', address: null });
    expect([decision.decision, decision.reason]).toEqual(['NEW', 'NO_CANDIDATE']);
  });

  it('explains the score with the prior and one entry per comparison', () => {
    const decision = decide([hung], hung);
    const explanation = explanationFromEvidence(settings, decision.evidence!, decision.reason);
    expect(explanation.comparisons.map((c) => c.comparison)).toEqual(settings.comparisons.map((c) => c.name));
    const total = explanation.prior + explanation.comparisons.reduce((sum, c) => sum + c.weight, 0);
    expect(total).toBeCloseTo(explanation.total, 9);
  });

  it('weighs agreement on a common name less than on a rare one', () => {
    const common = { ...hung, personal_id: null, address: null };
    const rare: RawPerson = { ...common, full_name: 'Khúc Thừa Dụ' };
    const weightOfName = (person: RawPerson) => decide([person], person).evidence!.weights[settings.comparisons.findIndex((c) => c.name === 'full_name')]!;
    const commonRegister = [...Array.from({ length: 30 }, (_, i) => ({ ...common, date_of_birth: `19${50 + i}-01-01` })), common];
    const { engine } = inMemoryLinkage(settings, [...background, ...commonRegister.map((p, i) => toMatchRecord(`N${i}`, p))]);
    const commonWeight = engine.scorer
      .score(toMatchRecord('r', common), toMatchRecord('c', common))
      .comparisons.find((c) => c.comparison === 'full_name')!.weight;
    expect(commonWeight).toBeLessThan(weightOfName(rare));
  });
});

describe("a guardian's ID (a parent's ID on a child's vaccination record)", () => {
  // Hùng's daughter, registered at birth with her own ID; her vaccination record carries her father's.
  const lan: RawPerson = { personal_id: '079325000777', full_name: 'Nguyễn Thị Lan', date_of_birth: '2025-05-10', sex: 'F', address: hung.address };
  const vaccination: RawPerson = { ...lan, personal_id: hung.personal_id };

  it('links the child on her name, date of birth and address, never her father', () => {
    const decision = decide([hung, lan], vaccination);
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C1']);
  });

  it('does not count the ID against the child: her score is what it would be without an ID', () => {
    const withFathersId = decide([hung, lan], vaccination);
    const withoutId = decide([hung, lan], { ...vaccination, personal_id: null });
    expect(withFathersId.score).toBeCloseTo(withoutId.score, 12);
    expect(withFathersId.candidates.map((c) => c.citizen_id)).not.toContain('C0');
  });

  it('links the child or asks a steward, never as a contradicted ID, when the record has only her birth year and no address', () => {
    const decision = decide([hung, lan], { ...vaccination, date_of_birth: '2025', address: null });
    expect(decision.reason).not.toBe('PID_CONTRADICTED');
    expect(decision.decision === 'LINK' ? decision.citizenId : decision.decision).toMatch(/^(C1|REVIEW)$/);
  });

  it('takes the child for not registered, naming the guardian’s ID, when she is not in the register', () => {
    const decision = decide([hung], vaccination);
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['NEW', 'GUARDIAN_ID', null]);
  });

  it('sends the record to review as a guardian’s ID when its caller would create a citizen from it, never one with the father’s ID', () => {
    const { engine, source } = inMemoryLinkage(settings, [...background, toMatchRecord('C0', hung)]);
    const record = toMatchRecord('R1', vaccination);
    const decision = engine.decide(record, source.candidatesOf(record), undefined, 'REVIEW');
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['REVIEW', 'GUARDIAN_ID', null]);
    expect(decision.explanation?.summary).toContain("guardian's ID");
  });

  it("explains each candidate whatever the decision, as a steward's case page asks, and leaves the guardian out", () => {
    const citizens = [...background, toMatchRecord('C0', hung), toMatchRecord('C1', lan)];
    const { engine, source } = inMemoryLinkage(settings, citizens);
    const record = toMatchRecord('R1', vaccination);
    const decision = engine.decide(record, source.candidatesOf(record));
    const each = engine.explainEach(record, [toMatchRecord('C0', hung), toMatchRecord('C1', lan)]);
    expect(decision.decision).toBe('LINK');
    expect(each.map((c) => [c.citizen_id, c.score])).toEqual([['C1', decision.score]]);
    expect(each[0]!.explanation!.comparisons.find((c) => c.comparison === 'personal_id')!.level).toBe('null');
  });

  it('still calls a mistyped ID that lands on a stranger of the same generation and family name a contradicted ID', () => {
    const decision = decide([hung], { personal_id: hung.personal_id, full_name: 'Nguyễn Thị Mai', date_of_birth: '1990-01-01', sex: 'F', address: null });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_CONTRADICTED']);
  });

  it('still calls an ID of another generation but another family name a contradicted ID', () => {
    const decision = decide([hung], { ...vaccination, full_name: 'Trần Thị Lan' });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_CONTRADICTED']);
  });

  it("never links a twin to her registered twin sister, whether she carries her own consecutive ID or their father's", () => {
    const an: RawPerson = { ...lan, full_name: 'Nguyễn Thị An', personal_id: '079325000778' };
    for (const record of [an, { ...an, personal_id: hung.personal_id }]) {
      const decision = decide([hung, lan], record);
      expect(decision.decision).toBe('REVIEW');
      expect(decision.citizenId).toBeNull();
    }
  });

  it('takes a newborn whose name is a letter from her mother’s, carrying the mother’s ID, for not registered, never for her mother', () => {
    const thoa: RawPerson = { personal_id: '083191506430', full_name: 'Vũ Thị Thoa', date_of_birth: '1991-06-21', sex: 'F', address: hung.address };
    const newborn: RawPerson = { ...thoa, full_name: 'Vũ Thị Hòa', date_of_birth: '2026-11-10' };
    const decision = decide([hung, thoa], newborn);
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['NEW', 'GUARDIAN_ID', null]);
  });

  it('takes a newborn born on her mother’s birthday, carrying the mother’s ID, for not registered, never for her mother', () => {
    const thoa: RawPerson = { personal_id: '083191506430', full_name: 'Vũ Thị Thoa', date_of_birth: '1991-07-11', sex: 'F', address: hung.address };
    const newborn: RawPerson = { ...thoa, full_name: 'Vũ Thị Hòa', date_of_birth: '2026-07-11' };
    const decision = decide([hung, thoa], newborn);
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['NEW', 'GUARDIAN_ID', null]);
  });

  it('sends a newborn born on her mother’s day and month, the mother born in the same century, to a steward, never to the mother', () => {
    const thoa: RawPerson = { personal_id: '083302506430', full_name: 'Vũ Thị Thoa', date_of_birth: '2002-07-11', sex: 'F', address: hung.address };
    const decision = decide([hung, thoa], { ...thoa, full_name: 'Vũ Thị Hòa', date_of_birth: '2026-07-11' });
    expect([decision.decision, decision.citizenId]).toEqual(['REVIEW', null]);
  });

  it('sends a son whose date of birth is a digit from his mother’s, carrying her ID, to a steward, never to the mother', () => {
    const mother: RawPerson = { personal_id: '001305000123', full_name: 'Trần Thị Lan', date_of_birth: '2005-03-14', sex: 'F', address: hung.address };
    const decision = decide([hung, mother], { ...mother, full_name: 'Nguyễn Văn Minh', date_of_birth: '2025-03-14', sex: 'M' });
    expect([decision.decision, decision.citizenId]).toEqual(['REVIEW', null]);
  });

  it('sends a son’s birth registration carrying his mother’s ID to a steward when it matches nobody, never to a new citizen or to her', () => {
    const mother: RawPerson = {
      personal_id: '001305000123',
      full_name: 'Trần Thị Lan',
      date_of_birth: '2005-03-14',
      sex: 'F',
      address: 'Số 12 Lê Lợi, Hà Nội',
    };
    const son = toMatchRecord('R1', { ...mother, full_name: 'Nguyễn Văn Minh', date_of_birth: '2025-03-14', sex: 'M', address: 'Số 5 Trần Phú, Hà Nội' });
    const { engine, source } = inMemoryLinkage(settings, [...background, toMatchRecord('C0', hung), toMatchRecord('C1', mother)]);
    const decision = engine.decide(son, source.candidatesOf(son), undefined, 'REVIEW');
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['REVIEW', 'PID_CONTRADICTED', null]);
  });

  // A son takes his father's family name; his mother's ID on his vaccination is the commonest guardian's ID a clinic writes.
  const mai: RawPerson = {
    personal_id: '079195004321',
    full_name: 'Trần Thị Mai',
    date_of_birth: '1995-03-10',
    sex: 'F',
    address: 'Số 12, đường Lê Lợi, phường Bến Thành, Hồ Chí Minh',
  };
  const an: RawPerson = { personal_id: '079226001234', full_name: 'Nguyễn Văn An', date_of_birth: '2026-06-01', sex: 'M', address: mai.address };
  const withMothersId: RawPerson = { ...an, personal_id: mai.personal_id };

  it('takes a son carrying his mother’s ID, her family name not his, for not registered when he is not in the register and lives in her commune', () => {
    const decision = decide([hung, mai], withMothersId);
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['NEW', 'GUARDIAN_ID', null]);
  });

  it('does not count his mother’s ID against the registered son: his score is what it would be without an ID, and she is not weighed', () => {
    const withId = decide([hung, mai, an], withMothersId);
    const withoutId = decide([hung, mai, an], { ...withMothersId, personal_id: null });
    expect([withId.decision, withId.citizenId]).toEqual(['LINK', 'C2']);
    expect(withId.score).toBeCloseTo(withoutId.score, 12);
    expect(withId.candidates.map((c) => c.citizen_id)).not.toContain('C1');
  });

  it('takes an old mother carrying her son’s ID for not registered, the elder side being the record’s', () => {
    const son: RawPerson = { ...an, personal_id: '079075001234', date_of_birth: '1975-02-02' };
    const decision = decide([hung, son], { ...mai, date_of_birth: '1950-08-08', personal_id: son.personal_id });
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['NEW', 'GUARDIAN_ID', null]);
  });

  it('still calls a woman’s ID on a record of another family a contradicted ID when the record lives in another commune', () => {
    const decision = decide([hung, mai], { ...withMothersId, address: 'Số 5, đường Trần Phú, phường Hà Đông, Hà Nội' });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_CONTRADICTED']);
  });

  it('still calls a woman’s ID on a record of another family a contradicted ID when she is fewer than 15 years older', () => {
    const decision = decide([hung, mai], { ...withMothersId, date_of_birth: '2008-06-01' });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_CONTRADICTED']);
  });

  /**
   * A woman’s own ID mistyped once in its year digits onto a woman of her ward born in another
   * year, her namesake living elsewhere with an ID of her own: the decision on her record.
   */
  const typoOntoNeighbour = (own: { id: string; year: string }, typed: { id: string; year: string }) => {
    const neighbour: RawPerson = { ...mai, personal_id: typed.id, full_name: 'Trần Thị Thu', date_of_birth: `${typed.year}-09-09` };
    const namesake: RawPerson = {
      personal_id: own.id,
      full_name: 'Lê Thị Hoa',
      date_of_birth: `${own.year}-04-02`,
      sex: 'F',
      address: 'Số 5, đường Trần Phú, phường Hà Đông, Hà Nội',
    };
    return decide([hung, neighbour, namesake], { ...namesake, personal_id: typed.id, address: mai.address });
  };

  it('still calls an ID one typo in its year from the record’s own a contradicted ID, though a woman 30 years older of the commune holds it, and links no namesake', () => {
    // 079195… typed 079165…: the neighbour might as well be her mother (the two IDs one digit apart); the record stays a steward's, the safe reading.
    const decision = typoOntoNeighbour({ id: '079195777777', year: '1995' }, { id: '079165123456', year: '1965' });
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['REVIEW', 'PID_CONTRADICTED', null]);
  });

  it('still calls an old woman’s own ID, one typo in its year onto a woman 20 years younger of her commune, a contradicted ID, and links no namesake', () => {
    const decision = typoOntoNeighbour({ id: '079165777777', year: '1965' }, { id: '079185654321', year: '1985' });
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['REVIEW', 'PID_CONTRADICTED', null]);
  });

  it('still calls a man’s ID on a record of another family a contradicted ID: a father gives his family name', () => {
    const father: RawPerson = { ...mai, personal_id: '079095004321', full_name: 'Lê Văn Tâm', sex: 'M' };
    const decision = decide([hung, father], { ...withMothersId, personal_id: father.personal_id });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_CONTRADICTED']);
  });

  it('does not take the ID’s holder for a guardian when a record gives only the family name: nothing says the names differ', () => {
    const record: RawPerson = { ...hung, full_name: 'Nguyễn', date_of_birth: '1950-07-01' };
    const decision = decide([hung, lan], record);
    expect(decision.reason).not.toBe('GUARDIAN_ID');
  });

  it('does not take the same person with two digits of the birth year and a letter of the given name mistyped for a guardian: a steward decides, the ID’s holder first', () => {
    const record: RawPerson = { ...hung, full_name: 'Nguyễn Văn Hùnh', date_of_birth: '1969-03-14' };
    const citizens = [...background, toMatchRecord('C0', hung), toMatchRecord('C1', lan)];
    const match = toMatchRecord('R1', record);
    const [withRule, withoutRule] = [settings, { ...settings, guardian_id: undefined }].map((s) => {
      const { engine, source } = inMemoryLinkage(s, citizens);
      const decision = engine.decide(match, source.candidatesOf(match));
      return [decision.decision, decision.reason, decision.citizenId, decision.candidates[0]?.citizen_id];
    });
    expect(withRule).toEqual(withoutRule);
    expect(withRule).toEqual(['REVIEW', 'NEVER_LINK_RULE', null, 'C0']);
  });

  it('links the same person with two digits of the birth year mistyped when the given name agrees', () => {
    const decision = decide([hung, lan], { ...hung, date_of_birth: '1969-03-14' });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C0']);
  });

  // Thơ's younger sister Thảo, registered with her own ID; a welfare record of Thảo carries Thơ's.
  const tho: RawPerson = {
    personal_id: '004310449666',
    full_name: 'Phạm Thị Thơ',
    date_of_birth: '2010-11-14',
    sex: 'F',
    address: 'Số 238, đường Nguyễn Huệ, xã Hợp Thành Đông, Cao Bằng',
  };
  const thao: RawPerson = { ...tho, personal_id: '004316604828', full_name: 'Phạm Thị Thảo', date_of_birth: '2016-01-22' };
  const welfare: RawPerson = { ...thao, personal_id: tho.personal_id, date_of_birth: '2016', address: null, office_area: 'xã Hợp Thành Đông, Cao Bằng' };

  it('weighs a girl carrying her older sister’s ID against herself only, never her sister, when the ID’s digits give the sister’s birth year', () => {
    const decision = decide([tho, thao], welfare);
    expect(decision.candidates.map((c) => c.citizen_id)).toEqual(['C1']);
    expect(decision.citizenId ?? decision.reason).toMatch(/^(C1|BETWEEN_THRESHOLDS)$/);
  });

  it('links the girl carrying her sister’s ID to herself when her own full date of birth agrees', () => {
    const decision = decide([tho, thao], { ...welfare, date_of_birth: thao.date_of_birth });
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'C1']);
  });

  it('takes a girl carrying her older sister’s ID for not registered, naming the guardian’s ID, when she is not in the register', () => {
    const decision = decide([tho], welfare);
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['NEW', 'GUARDIAN_ID', null]);
  });

  it('does not take the ID for a sister’s when the record is born in the holder’s year: the record’s person may be its holder', () => {
    const ownYear = decide([tho], { ...welfare, date_of_birth: '2010' });
    expect(ownYear.reason).not.toBe('GUARDIAN_ID');
  });

  it('still calls an ID of the same family name and another year a contradicted ID when the record lives in another commune', () => {
    const elsewhere = { ...welfare, full_name: 'Phạm Thị Hoa', office_area: null, address: 'Số 5, đường Lê Lợi, phường Hòa Bình, Hà Nội' };
    const decision = decide([tho], { ...elsewhere, date_of_birth: '1998-02-03' });
    expect([decision.decision, decision.reason]).toEqual(['REVIEW', 'PID_CONTRADICTED']);
  });

  it('is a rule of the settings: without it the father’s ID makes the record a contradicted ID', () => {
    const withoutRule = { ...settings, guardian_id: undefined };
    const citizens = [...background, toMatchRecord('C0', hung), toMatchRecord('C1', lan)];
    const { engine, source } = inMemoryLinkage(withoutRule, citizens);
    const match = toMatchRecord('R1', { ...vaccination, date_of_birth: '2025', address: null });
    expect(engine.decide(match, source.candidatesOf(match)).reason).toBe('PID_CONTRADICTED');
  });
});

describe('stricter link thresholds for links of a kind (thresholds.stricter_links)', () => {
  const rule = settings.thresholds.stricter_links!.find((r) => r.name === 'no_personal_id')!;
  const withThreshold = (linkProbability: number) => ({
    ...settings,
    thresholds: { ...settings.thresholds, stricter_links: [{ ...rule, link_probability: linkProbability }] },
  });
  const decideWith = (s: typeof settings, register: RawPerson[], record: RawPerson) => {
    const { engine, source } = inMemoryLinkage(s, [...background, ...register.map((person, i) => toMatchRecord(`C${i}`, person))]);
    const match = toMatchRecord('R1', record);
    return engine.decide(match, source.candidatesOf(match));
  };
  const withoutId: RawPerson = { ...hung, personal_id: null, address: null };
  const linked = decideWith(withThreshold(settings.thresholds.link_probability), [hung], withoutId);
  const aboveIt = withThreshold(Math.min(0.999999, (linked.score + 1) / 2));
  const ruleFor = (s: typeof settings, record: RawPerson, citizen: RawPerson) => {
    const { engine } = inMemoryLinkage(s, [...background, toMatchRecord('C0', citizen)]);
    const [r, c] = [toMatchRecord('R1', record), toMatchRecord('C0', citizen)];
    return engine.scorer.stricterLink(r, c, engine.scorer.score(r, c))?.name ?? null;
  };

  it('links a record without an ID at the general link threshold when the rule asks no more', () => {
    expect([linked.decision, linked.citizenId]).toEqual(['LINK', 'C0']);
  });

  it('sends a record without an ID to review, naming the rule, when its best candidate is below the rule’s threshold', () => {
    const decision = decideWith(aboveIt, [hung], withoutId);
    expect([decision.decision, decision.reason, decision.citizenId]).toEqual(['REVIEW', 'BETWEEN_THRESHOLDS', null]);
    expect(decision.explanation?.summary).toContain('no_personal_id');
  });

  it('holds for a record without an ID and for one carrying a placeholder', () => {
    expect([ruleFor(settings, withoutId, hung), ruleFor(settings, { ...withoutId, personal_id: '000000000000' }, hung)]).toEqual([
      'no_personal_id',
      'no_personal_id',
    ]);
  });

  it('holds for a citizen registered without an ID, whatever ID the record carries', () => {
    expect(ruleFor(settings, hung, { ...hung, personal_id: null })).toBe('no_personal_id');
  });

  it('does not hold for a link weighed on the citizen’s own ID', () => {
    expect(ruleFor(settings, { ...withoutId, personal_id: hung.personal_id }, hung)).toBeNull();
  });

  it('holds for a record whose ID was set aside as a guardian’s: the link rests on name and date alone', () => {
    const lan: RawPerson = { personal_id: '079325000777', full_name: 'Nguyễn Thị Lan', date_of_birth: '2025-05-10', sex: 'F', address: hung.address };
    const vaccination: RawPerson = { ...lan, personal_id: hung.personal_id, date_of_birth: '2025' };
    const asGuardian = decideWith(withThreshold(settings.thresholds.link_probability), [hung, lan], vaccination);
    expect([asGuardian.decision, asGuardian.citizenId]).toEqual(['LINK', 'C1']);
    const stricter = decideWith(withThreshold(Math.min(0.999999, (asGuardian.score + 1) / 2)), [hung, lan], vaccination);
    expect([stricter.decision, stricter.reason]).toEqual(['REVIEW', 'BETWEEN_THRESHOLDS']);
  });

  it('changes nothing when a rule asks less than the general link threshold', () => {
    const decision = decideWith(withThreshold(settings.thresholds.review_probability), [hung], withoutId);
    expect([decision.decision, decision.citizenId, decision.score]).toEqual(['LINK', 'C0', linked.score]);
  });

  it('rejects a rule with neither null_comparisons nor a predicate, and one naming an unknown comparison', () => {
    const bare = { name: 'bare', link_probability: 0.95, sentence: 'x' };
    const withRules = (rules: unknown[]) => ({ ...settings, thresholds: { ...settings.thresholds, stricter_links: rules } });
    expect(() => parseSettings(withRules([bare]))).toThrow(/null_comparisons or when/);
    expect(() => parseSettings(withRules([{ ...bare, null_comparisons: ['passport'] }]))).toThrow(/unknown comparison passport/);
  });
});

describe('training', () => {
  it('estimates from unlabelled data that an equal personal ID is strong evidence and a different one is against', () => {
    const set = generateLinkageSet({ population: 3000, records: 800, absentShare: 0.1, seed: 5 });
    const trained = estimateParameters(
      settings,
      set.population.map((c) => toMatchRecord(c.citizen_id, c)),
      set.records.map((r) => toMatchRecord(r.record_id, r)),
    ).settings;
    const levels = new Map(trained.comparisons.find((c) => c.name === 'personal_id')!.levels.map((l) => [l.label, l]));
    const weight = (label: string) => Math.log2(levels.get(label)!.m! / levels.get(label)!.u!);
    expect([weight('exact') > 10, weight('else') < -3]).toEqual([true, true]);
  });
});
