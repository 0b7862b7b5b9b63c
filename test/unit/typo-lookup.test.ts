import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { fallbackKeys, indexedRuleIdentity, lookupKey, typoVariants } from '../../services/shared/linkage/blocking.js';
import { BlockingTally } from '../../services/shared/linkage/blocking-report.js';
import { sessionRule } from '../../services/shared/linkage/estimate.js';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { isNoOnesId } from '../../services/shared/normalise/personal-id.js';
import { blockingRuleSchema, loadSettings, type BlockingRule } from '../../services/shared/linkage/settings.js';
import { generatePopulation } from '../../services/shared/synth/population.js';

const hai: RawPerson = { personal_id: '001090004321', full_name: 'Phan Văn Hải', date_of_birth: '1990-03-12', sex: 'M', address: 'Số 8 Trần Phú, Hà Nội' };
const ha: RawPerson = { personal_id: '001090004322', full_name: 'Phan Văn Hà', date_of_birth: '1990-03-12', sex: 'M', address: 'Số 8 Trần Phú, Hà Nội' };
const register = [toMatchRecord('HAI', hai), toMatchRecord('HA', ha)];
const byId = (typos: boolean): BlockingRule[] => [
  { name: 'personal_id', equal: ['personal_id'], ...(typos ? { typo_lookup: 'one_digit_or_swap' as const } : {}) },
];
const ids = (found: { id: string }[]) => found.map((c) => c.id).sort();
const withId = (personal_id: string): RawPerson => ({ personal_id, full_name: 'Nguyen Van X', date_of_birth: null, sex: null, address: null });

describe('typo variants of a key', () => {
  it('replaces each digit by each other digit and swaps each pair of neighbouring digits', () => {
    const variants = typoVariants('120');
    expect(variants).toHaveLength(3 * 9 + 2);
    expect(variants).toEqual(expect.arrayContaining(['920', '150', '127', '210', '102']));
  });

  it('never gives the key itself nor the same variant twice', () => {
    const variants = typoVariants('001090004321');
    expect(variants).not.toContain('001090004321');
    expect(new Set(variants).size).toBe(variants.length);
  });

  it('gives no variants of a key that is not all digits', () => {
    expect(typoVariants('1990-03-12')).toEqual([]);
  });
});

describe('a blocking rule with typo lookups', () => {
  it('finds the holder of an ID one digit off when nobody holds the ID as typed', () => {
    const source = new InMemoryCandidateSource(byId(true), register);
    expect(ids(source.candidatesOf(toMatchRecord('R1', withId('001090704321'))))).toEqual(['HAI']);
  });

  it('finds the holder of an ID with two neighbouring digits swapped', () => {
    const source = new InMemoryCandidateSource(byId(true), register);
    expect(ids(source.candidatesOf(toMatchRecord('R1', withId('001090003421'))))).toEqual(['HAI']);
  });

  it('finds the holder of an ID whose leading zero was typed as another digit', () => {
    const source = new InMemoryCandidateSource(byId(true), register);
    expect(ids(source.candidatesOf(toMatchRecord('R1', withId('101090004321'))))).toEqual(['HAI']);
  });

  it("does not bring in a twin's consecutive ID when the ID as typed has a holder", () => {
    const source = new InMemoryCandidateSource(byId(true), register);
    expect(ids(source.candidatesOf(toMatchRecord('R1', withId('001090004321'))))).toEqual(['HAI']);
  });

  it('finds nobody for a mistyped ID without typo lookups', () => {
    const source = new InMemoryCandidateSource(byId(false), register);
    expect(source.candidatesOf(toMatchRecord('R1', withId('001090704321')))).toEqual([]);
  });

  it('counts the pairs its typo lookups found under the rule in the blocking report', () => {
    const report = new BlockingTally(new InMemoryCandidateSource(byId(true), register));
    report.add(toMatchRecord('R1', withId('001090704321')));
    expect(report.report().rules.map((r) => [r.rule, r.comparisons])).toEqual([['personal_id', 1]]);
  });

  it('is refused together with a max_block_size', () => {
    const rule = { name: 'personal_id', equal: ['personal_id'], typo_lookup: 'one_digit_or_swap', max_block_size: 5 };
    expect(blockingRuleSchema.safeParse(rule).success).toBe(false);
  });

  it('is refused on a rule of more than one feature', () => {
    const rule = { name: 'dob_family', equal: ['dob', 'family_key'], typo_lookup: 'one_digit_or_swap' };
    expect(blockingRuleSchema.safeParse(rule).success).toBe(false);
  });
});

describe('a blocking rule for held IDs only', () => {
  const PLACEHOLDER = '000000000000';
  const holders = [...register, toMatchRecord('P1', { ...hai, personal_id: PLACEHOLDER }), toMatchRecord('P2', { ...ha, personal_id: PLACEHOLDER })];
  const heldOnly = (held: boolean): BlockingRule[] => [{ ...byId(true)[0]!, ...(held ? { held_ids_only: true } : {}) }];
  /** The IDs of the candidates a record carrying `id` finds among the holders, with or without held_ids_only. */
  const candidatesOf = (held: boolean, id: string) => ids(new InMemoryCandidateSource(heldOnly(held), holders).candidatesOf(toMatchRecord('R1', withId(id))));

  it("brings none of a placeholder's holders for a record that carries it", () => {
    expect(candidatesOf(true, PLACEHOLDER)).toEqual([]);
  });

  it("brings every holder of a placeholder without it, as any shared key's", () => {
    expect(candidatesOf(false, PLACEHOLDER)).toEqual(['P1', 'P2']);
  });

  it('still finds the holder of an ID mistyped in its first digits, through a variant with a province code', () => {
    expect(candidatesOf(true, '101090004321')).toEqual(['HAI']);
  });

  it('does not look up a typo variant without a province code: a placeholder one digit off brings none of its holders', () => {
    expect(candidatesOf(true, '000000000100')).toEqual([]);
  });

  it('gives the typo variants with a province code only as fallback keys', () => {
    const [rule] = heldOnly(true);
    const variants = fallbackKeys(rule!, toMatchRecord('R1', withId(PLACEHOLDER)));
    expect(variants.length).toBeGreaterThan(0);
    expect(variants.every((variant) => !isNoOnesId(variant))).toBe(true);
  });

  it('looks up an ID of another length as typed (not read as a Vietnamese ID)', () => {
    const [rule] = heldOnly(true);
    expect(lookupKey(rule!, toMatchRecord('R1', withId('4711233')))).toBe('4711233');
  });

  it('leaves the register keys of the rule as they are: its indexed identity does not change', () => {
    const [held, plain] = [heldOnly(true)[0]!, heldOnly(false)[0]!];
    expect(indexedRuleIdentity(held)).toBe(indexedRuleIdentity(plain));
  });

  it("pairs no placeholder holders in the estimation's training session on the ID, as the settings' rule on the ID finds none", () => {
    const session = new InMemoryCandidateSource([sessionRule(loadSettings(), ['personal_id'])], holders);
    expect(session.candidatesOf(toMatchRecord('R1', withId(PLACEHOLDER)))).toEqual([]);
  });

  it('leaves a training session on other features looking up every key', () => {
    expect(sessionRule(loadSettings(), ['dob', 'family_group']).held_ids_only).toBeUndefined();
  });

  it('is refused on a rule of another feature', () => {
    const rule = { name: 'dob_given', equal: ['dob', 'given_key'], held_ids_only: true };
    expect(blockingRuleSchema.safeParse(rule).success).toBe(false);
  });
});

describe('a register entry looked up as a record (deduplication)', () => {
  const twice = [...register, toMatchRecord('HAI2', hai)];

  it('looks up the typo variants of its ID when no other entry holds it', () => {
    const source = new InMemoryCandidateSource(byId(true), register);
    expect(source.candidateIndexes(register[0]!, { entry: 0 })).toEqual([0, 1]);
  });

  it('names the candidates it found through a typo variant', () => {
    const source = new InMemoryCandidateSource(byId(true), register);
    const throughTypos: number[] = [];
    source.candidateIndexes(register[0]!, { entry: 0, throughTypos });
    expect(throughTypos).toEqual([1]);
  });

  it('looks up no typo variants when another entry holds its ID too', () => {
    const source = new InMemoryCandidateSource(byId(true), twice);
    expect(source.candidateIndexes(twice[0]!, { entry: 0 })).toEqual([0, 2]);
  });

  it('is looked up as any record, whose ID as typed has a holder, when not named as the entry', () => {
    const source = new InMemoryCandidateSource(byId(true), register);
    expect(source.candidateIndexes(register[0]!)).toEqual([0]);
  });
});

describe('the committed settings with a mistyped ID', () => {
  const settings = loadSettings();
  const background = generatePopulation(2000, 43).map((c) => toMatchRecord(c.citizen_id, c));

  it('link a record whose ID has one digit wrong and whose name and date share no key with its holder', () => {
    const { engine, source } = inMemoryLinkage(settings, [...background, toMatchRecord('HAI', hai)]);
    // The family name mistyped, the day and month swapped and no address: no key but the ID's is shared.
    const record = toMatchRecord('R1', { personal_id: '001090004391', full_name: 'Phn Văn Hải', date_of_birth: '1990-12-03', sex: 'M', address: null });
    const decision = engine.decide(record, source.candidatesOf(record));
    expect([decision.decision, decision.citizenId]).toEqual(['LINK', 'HAI']);
  });
});

describe('a stranger whose ID is one digit off a registered man of his cohort, with a national prior', () => {
  const committed = loadSettings();
  const background = generatePopulation(2000, 43).map((c) => toMatchRecord(c.citizen_id, c));
  const minh = toMatchRecord('MINH', {
    personal_id: '001090004321',
    full_name: 'Trần Đức Minh',
    date_of_birth: '1990-03-12',
    sex: 'M',
    address: 'Số 8 Trần Phú, Hà Nội',
  });
  // The prior is per pair (probability_record_in_register over the register's size): scaled, these
  // 2,001 citizens weigh a candidate as a register of ten million would, where real ID serials are
  // dense enough that an ID nobody holds often has a holder one digit away.
  const national = { ...committed, probability_record_in_register: (committed.probability_record_in_register * (background.length + 1)) / 10_000_000 };
  const tung = { personal_id: '001090004381', full_name: 'Lê Quang Tùng', sex: 'M', address: null };

  it.each([
    ['his date of birth one digit off', '1990-03-17'],
    ['his day and month swapped', '1990-12-03'],
    ['the same month of birth', '1990-03-25'],
  ])('is not linked to him with %s and no address', (_, date_of_birth) => {
    const { engine, source } = inMemoryLinkage(national, [...background, minh]);
    const record = toMatchRecord('R1', { ...tung, date_of_birth });
    const candidates = source.candidatesOf(record);
    expect(candidates.map((c) => c.id)).toContain('MINH');
    expect(engine.decide(record, candidates).decision).not.toBe('LINK');
  });
});
