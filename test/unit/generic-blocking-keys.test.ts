import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { BlockingTally } from '../../services/shared/linkage/blocking-report.js';
import { CandidateTally } from '../../services/shared/linkage/candidate-tally.js';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { blockingRuleSchema, loadSettings, type BlockingRule } from '../../services/shared/linkage/settings.js';
import { GENERIC_KEY_REGISTER as register, person } from '../helpers/generic-key-register.js';

const rules = (cap?: number): BlockingRule[] => [
  { name: 'dob_family', equal: ['dob', 'family_group'], ...(cap === undefined ? {} : { max_block_size: cap }) },
  { name: 'dob_given', equal: ['dob', 'given_key'] },
];
const record = toMatchRecord('R1', person('Nguyen Thi Lan', '1990-05-02'));
const ids = (found: { id: string }[]) => found.map((c) => c.id).sort();

describe('generic blocking keys', () => {
  it('finds every citizen of a block no larger than the cap', () => {
    expect(ids(new InMemoryCandidateSource(rules(3), register).candidatesOf(record))).toEqual(['C1', 'C2', 'C3', 'C4']);
  });

  it('takes no candidate from a key more citizens share than the cap, only from the other rules', () => {
    expect(ids(new InMemoryCandidateSource(rules(2), register).candidatesOf(record))).toEqual(['C1', 'C4']);
  });

  it('counts the lookups skipped as generic per rule', () => {
    const source = new InMemoryCandidateSource(rules(2), register);
    source.candidatesOf(record);
    source.candidatesOf(toMatchRecord('R2', person('Nguyễn Văn Nam', '1990-05-02')));
    expect(Object.fromEntries(source.genericLookups())).toEqual({ dob_family: 2, dob_given: 0 });
  });

  it('counts citizens, not register rows, against the cap when one citizen has two rows', () => {
    const twice = [...register.slice(0, 2), toMatchRecord('C1', person('Nguyễn Thị Lan', '1990-05-02'))];
    expect(ids(new InMemoryCandidateSource(rules(2), twice).candidatesOf(record))).toEqual(['C1', 'C2']);
  });

  it("reports the generic lookups with link-csv's candidate counts", async () => {
    const tally = new CandidateTally(new InMemoryCandidateSource(rules(2), register));
    await tally.candidatesFor([record]);
    expect(Object.fromEntries(tally.genericLookups())).toEqual({ dob_family: 1 });
  });

  it('reports only the generic lookups made since the tally began, when its source was used before (link-csv estimates with it first)', async () => {
    const source = new InMemoryCandidateSource(rules(2), register);
    source.candidatesOf(record);
    const tally = new CandidateTally(source);
    await tally.candidatesFor([record, record]);
    expect(Object.fromEntries(tally.genericLookups())).toEqual({ dob_family: 2 });
  });

  it('refuses to link with an index built under other blocking rules', () => {
    const source = new InMemoryCandidateSource(rules(2), register);
    expect(() => inMemoryLinkage(loadSettings(), source.register, source)).toThrow(/other blocking rules/);
  });

  it('reports the generic lookups per rule in the blocking report, with none of their pairs', () => {
    const report = new BlockingTally(new InMemoryCandidateSource(rules(2), register));
    report.add(record);
    expect(report.report().rules.map((r) => [r.rule, r.comparisons, r.generic])).toEqual([
      ['dob_family', 0, 1],
      ['dob_given', 2, 0],
    ]);
  });

  it('refuses a max_block_size that is not a positive whole number', () => {
    expect(blockingRuleSchema.safeParse({ name: 'dob_family', equal: ['dob'], max_block_size: 0 }).success).toBe(false);
  });

  it('caps every default rule whose blocks grow with the register, and not the personal ID', () => {
    const capped = loadSettings()
      .blocking_rules.filter((rule) => rule.max_block_size !== undefined)
      .map((rule) => rule.name);
    expect(capped).not.toContain('personal_id');
    expect(capped.length).toBe(loadSettings().blocking_rules.length - 1);
  });
});
