import { describe, expect, it } from 'vitest';
import type { CitizenRow } from '../../services/shared/register/citizen-row.js';
import { mergePreview } from '../../services/shared/register/merge-preview.js';
import { loadSurvivorship } from '../../services/shared/register/survivorship.js';
import { actionsLimitedBy, allowedActions, type CaseFacts } from '../../services/shared/review/case-actions.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { neverLinkTest } from '../../services/shared/linkage/scoring.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { evidenceAgainstText, judgeMergeEvidence } from '../../services/shared/review/merge-evidence.js';
import { REGISTERED_TU } from '../helpers/citizen-fixtures.js';

const RULES = loadSurvivorship();

const FIRST = REGISTERED_TU;
const SECOND: CitizenRow = {
  ...FIRST,
  citizen_id: '001090000010',
  personal_id: '001090000010',
  full_name: 'Hoang Van Tu',
  date_of_birth: '1990-02-02',
  dob_precision: 'DAY',
  address: 'Số 3 Hàng Bạc, Hà Nội',
};

describe('a merge preview', () => {
  const preview = mergePreview(
    RULES,
    { row: FIRST, claims: [] },
    {
      row: SECOND,
      claims: [{ field: 'address', claim: { value: 'Số 3 Hàng Bạc, Hà Nội', precision: null, source: 'vaccination', eventTime: 5, observationId: 'o1' } }],
    },
  );
  const field = (name: string) => preview.fields.find((f) => f.field === name)!;

  it("keeps the survivor's own ID", () => {
    expect(field('personal_id')).toMatchObject({ value: FIRST.personal_id, from: 'survivor', rule: 'survivor-keeps-id', merged_value: SECOND.personal_id });
  });

  it('chooses each field from both histories by the survivorship rules, saying which rule chose it', () => {
    // Both register values compete: equal authority and time, so the more complete name (with diacritics) survives.
    expect(field('full_name')).toMatchObject({ value: 'Hoàng Văn Tú', from: 'survivor', rule: 'completeness' });
    expect(field('date_of_birth')).toMatchObject({ value: '1990-02-02', from: 'merged', rule: 'completeness' });
    // Only the merged citizen's record gave an address.
    expect(field('address')).toMatchObject({ value: 'Số 3 Hàng Bạc, Hà Nội', from: 'merged', source: 'vaccination', rule: 'only-claim' });
    expect(field('ethnicity')).toMatchObject({ value: null, from: null, rule: null });
  });
});

describe('the evidence on a merge', () => {
  it('is strongly against two citizens with different valid IDs and different birth years', () => {
    expect(
      judgeMergeEvidence({ personal_id: '001210000001', date_of_birth: '2010-04-01' }, { personal_id: '001213000002', date_of_birth: '2013-05-02' }, null),
    ).toEqual({
      different_valid_ids: true,
      different_birth_years: true,
      never_link: null,
      against: true,
    });
  });

  it('is not against a mistyped ID alone, a mistyped birth year alone, or an ID that is not a valid one', () => {
    expect(
      judgeMergeEvidence({ personal_id: '001210000001', date_of_birth: '2010' }, { personal_id: '001210000002', date_of_birth: '2010-04-01' }, null).against,
    ).toBe(false);
    expect(
      judgeMergeEvidence({ personal_id: '001210000001', date_of_birth: '2010' }, { personal_id: '001210000001', date_of_birth: '2013' }, null).against,
    ).toBe(false);
    expect(
      judgeMergeEvidence({ personal_id: '999210000001', date_of_birth: '2010' }, { personal_id: '001213000002', date_of_birth: '2013' }, null).against,
    ).toBe(false);
    expect(judgeMergeEvidence({ personal_id: null, date_of_birth: '2010' }, { personal_id: '001213000002', date_of_birth: '2013' }, null).against).toBe(false);
  });
});

describe('the evidence on a merge of twins', () => {
  const settings = loadSettings();
  const twins = settings.never_link.find((rule) => rule.name === 'twins')!;
  const brother = { personal_id: '079098012345', full_name: 'Đặng Minh Long', date_of_birth: '1998-11-20', sex: 'M', address: 'Số 12 Lê Lợi, Quận 1' };
  const twin = { ...brother, personal_id: '079098012346', full_name: 'Đặng Minh Lang' };
  const ruleOf = neverLinkTest(settings);
  const held = ruleOf(toMatchRecord('A', brother), toMatchRecord('B', twin));

  it("is against the merge of twins of one birth year, whose IDs and years alone say nothing against it, under the settings' twins rule", () => {
    expect(judgeMergeEvidence(brother, twin, held)).toEqual({
      different_valid_ids: true,
      different_birth_years: false,
      never_link: { name: 'twins', sentence: twins.sentence },
      against: true,
    });
  });

  it("names the twins' rule and its sentence in the refusal's reason", () => {
    expect(evidenceAgainstText(judgeMergeEvidence(brother, twin, held))).toBe(`the never_link rule "twins" holds for the two citizens: ${twins.sentence}`);
  });
});

describe('the actions a case allows', () => {
  const facts = (overrides: Partial<CaseFacts>): CaseFacts => ({
    duplicate: false,
    activeCandidates: 2,
    personalIdTaken: false,
    deletedAtSource: false,
    ...overrides,
  });

  it('offers no new citizen for a record whose personal ID is a citizen’s already', () => {
    expect(allowedActions(facts({ personalIdTaken: true }))).toEqual(['LINK', 'REJECT', 'MERGE']);
    expect(allowedActions(facts({ activeCandidates: 1 }))).toEqual(['LINK', 'NEW', 'REJECT']);
  });

  it('decides a duplicate pair by merge or distinct, and only distinct once one of them is gone', () => {
    expect(allowedActions(facts({ duplicate: true }))).toEqual(['MERGE', 'DISTINCT']);
    expect(allowedActions(facts({ duplicate: true, activeCandidates: 1 }))).toEqual(['DISTINCT']);
  });

  it('offers only a rejection of a record deleted at its source, and names the refusal the others would get', () => {
    const deleted = facts({ deletedAtSource: true });
    expect([allowedActions(deleted), actionsLimitedBy(deleted)]).toEqual([['REJECT'], 'RECORD_DELETED']);
    expect([allowedActions(facts({})), actionsLimitedBy(facts({}))]).toEqual([['LINK', 'NEW', 'REJECT', 'MERGE'], null]);
  });
});
