import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cumulativeComparisonsSvg } from '../../services/cli/blocking-chart.js';
import { BlockingTally } from '../../services/shared/linkage/blocking-report.js';
import { InMemoryCandidateSource } from '../../services/shared/linkage/in-memory-candidates.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import type { BlockingRule } from '../../services/shared/linkage/settings.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { blockingReportOfFiles } from '../../services/shared/linkage-io/blocking-report-csv.js';
import { generateLinkageSet } from '../../services/shared/synth/linkage-set.js';
import { writeLinkageSet } from '../../services/shared/synth/linkage-set-files.js';

const RULES: BlockingRule[] = [
  { name: 'personal_id', equal: ['personal_id'] },
  { name: 'dob_family', equal: ['dob', 'family_key'] },
];
const person = (personal_id: string | null, full_name: string, date_of_birth: string): RawPerson => ({
  personal_id,
  full_name,
  date_of_birth,
  sex: 'F',
  address: null,
});
const register = [
  toMatchRecord('C1', person('001190000001', 'Đỗ Thị Lan', '1990-05-02')),
  toMatchRecord('C2', person('001190000002', 'Đỗ Thị Hoa', '1990-05-02')),
  toMatchRecord('C3', person('001190000003', 'Vũ Thị Mai', '1985-01-09')),
];

function tally() {
  return new BlockingTally(new InMemoryCandidateSource(RULES, register));
}

describe('the blocking report', () => {
  it("counts each rule's pairs and, separately, the pairs it adds to the rules before it", () => {
    const t = tally();
    t.add(toMatchRecord('R1', person('001190000001', 'Do Thi Lan', '1990-05-02')));
    const [byId, byDate] = t.report().rules;
    expect([byId!.comparisons, byId!.added, byDate!.comparisons, byDate!.added, byDate!.cumulative]).toEqual([1, 1, 2, 1, 2]);
  });

  it('gives the distinct candidates per record', () => {
    const t = tally();
    t.add(toMatchRecord('R1', person('001190000001', 'Do Thi Lan', '1990-05-02')));
    t.add(toMatchRecord('R2', person(null, 'Vũ Thị Mai', '1985-01-09')));
    t.add(toMatchRecord('R3', person(null, 'Lý Văn Nam', '2001-07-07')));
    expect(t.report().candidatesPerRecord).toEqual({ p50: 1, p99: 2, max: 2, mean: 1 });
  });

  it('lists a true pair that no rule reaches, and credits a reached one to the first rule that reaches it', () => {
    const t = tally();
    t.add(toMatchRecord('R1', person(null, 'Đỗ Thị Lan', '1990-05-02')), 'C1');
    t.add(toMatchRecord('R2', person(null, 'Vũ Thị Mai', '1958')), 'C3');
    const report = t.report();
    expect(report.truth).toEqual({ inRegister: 2, reached: 1, missed: [{ recordId: 'R2', citizenId: 'C3' }], missedCount: 1 });
    expect(report.rules.map((r) => r.truePairsAdded)).toEqual([0, 1]);
  });

  it('does not count a record whose person is not in the register as a true pair', () => {
    const t = tally();
    t.add(toMatchRecord('R1', person(null, 'Đỗ Thị Lan', '1990-05-02')), null);
    t.add(toMatchRecord('R2', person(null, 'Đỗ Thị Lan', '1990-05-02')), 'C404');
    expect(t.report().truth).toMatchObject({ inRegister: 0, missedCount: 0 });
  });

  it('draws one bar per rule, labelled with the cumulative pairs and what the rule adds', () => {
    const t = tally();
    t.add(toMatchRecord('R1', person('001190000001', 'Do Thi Lan', '1990-05-02')));
    const svg = cumulativeComparisonsSvg(t.report());
    expect(svg.match(/fill="#0969da"/g)).toHaveLength(RULES.length);
    expect(svg).toContain('2 (+1)');
  });
});

describe('the blocking report of link-csv files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dancu-blocking-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accounts for every labelled record of a synthetic set: reached or listed as missed', async () => {
    const set = generateLinkageSet({ population: 3000, records: 600, absentShare: 0.1, seed: 9 });
    const files = writeLinkageSet(set, dir);
    const report = await blockingReportOfFiles({ register: files.population, records: files.records, truth: files.truth, settings: loadSettings() });
    const inRegister = [...set.truth.values()].filter((citizen) => citizen !== null).length;
    expect([report.records, report.truth!.inRegister, report.truth!.reached + report.truth!.missedCount]).toEqual([600, inRegister, inRegister]);
  });
});
