import { describe, expect, it } from 'vitest';
import { trainFromLabels, type LabelledPair } from '../../services/shared/linkage/label-training.js';
import { toMatchRecord } from '../../services/shared/linkage/match-record.js';
import { Scorer } from '../../services/shared/linkage/scoring.js';
import { loadSettings, tfFeatures } from '../../services/shared/linkage/settings.js';
import { TermFrequencies } from '../../services/shared/linkage/term-frequencies.js';

const settings = loadSettings();
const ann = { personal_id: '001090000001', full_name: 'Nguyễn Thị Ánh', date_of_birth: '1990-03-04', sex: 'FEMALE', address: 'Số 1 Lê Lợi, Huế' };
const bao = { personal_id: '079085000002', full_name: 'Trần Văn Bảo', date_of_birth: '1985-07-08', sex: 'MALE', address: 'Số 9 Hùng Vương, Huế' };
const pair = (id: string, record: object, citizen: object, match: boolean): LabelledPair => ({
  record: toMatchRecord(`r-${id}`, record),
  citizen: toMatchRecord(`c-${id}`, citizen),
  match,
});
const frequencies = TermFrequencies.fromRecords([toMatchRecord('a', ann), toMatchRecord('b', bao)], tfFeatures(settings));

describe("training on stewards' decisions", () => {
  const pairs = [
    pair('1', { ...ann, personal_id: null }, ann, true),
    pair('2', { ...ann, full_name: 'Nguyen Thi Anh' }, ann, true),
    pair('3', { ...ann, personal_id: null, date_of_birth: '1990' }, bao, false),
    pair('4', { ...bao, personal_id: null, address: null, date_of_birth: '1985' }, { ...bao, personal_id: '079085000003', full_name: 'Trần Văn Bảo' }, false),
  ];

  it('counts the labelled pairs and how many are one person', () => {
    const { report } = trainFromLabels(settings, frequencies, pairs);
    expect([report.current.pairs, report.current.matches]).toEqual([4, 2]);
  });

  it('measures precision and recall of the settings on the labels', () => {
    const { report } = trainFromLabels(settings, frequencies, pairs);
    expect(report.current.truePositives).toBe(2);
    expect(report.current.recall).toBe(1);
    expect(report.current.precision).toBe(2 / (2 + report.current.falsePositives));
  });

  it('suggests a link threshold above every labelled non-match and a review threshold below every match', () => {
    const { report } = trainFromLabels(settings, frequencies, pairs);
    const scorer = new Scorer(settings, frequencies);
    const probability = (p: LabelledPair) => scorer.score(p.record, p.citizen).probability;
    for (const p of pairs.filter((x) => !x.match)) expect(probability(p)).toBeLessThan(report.suggestedLinkProbability!);
    for (const p of pairs.filter((x) => x.match)) expect(probability(p)).toBeGreaterThanOrEqual(report.suggestedReviewProbability!);
  });

  it('re-estimates m from the same-person pairs only', () => {
    const { report } = trainFromLabels(settings, frequencies, pairs);
    const exactId = report.levels.find((l) => l.comparison === 'personal_id' && l.level === 'exact')!;
    const elseId = report.levels.find((l) => l.comparison === 'personal_id' && l.level === 'else')!;
    // One of the two matches agrees on the ID (the other has none): exact gets (1+1)/(1+levels) of m.
    expect(exactId.mFromLabels).toBeGreaterThan(elseId.mFromLabels!);
  });

  it('counts a same-person pair weighed without an ID under the stricter_links threshold as a review, as the engine decides it', () => {
    const noId = [pair('1', { ...ann, personal_id: null, address: null, date_of_birth: '1990', sex: null }, ann, true)];
    const probability = new Scorer(settings, frequencies).score(noId[0]!.record, noId[0]!.citizen).probability;
    const rule = settings.thresholds.stricter_links!.find((r) => r.name === 'no_personal_id')!;
    const above = {
      ...settings,
      thresholds: { ...settings.thresholds, stricter_links: [{ ...rule, link_probability: Math.min(0.999999, (probability + 1) / 2) }] },
    };
    const plain = trainFromLabels(settings, frequencies, noId).report.current;
    const stricter = trainFromLabels(above, frequencies, noId).report.current;
    expect([plain.truePositives, stricter.truePositives, stricter.toReview]).toEqual([1, 0, 1]);
  });

  it('changes nothing in the settings it was given', () => {
    const before = JSON.stringify(settings);
    trainFromLabels(settings, frequencies, pairs);
    expect(JSON.stringify(settings)).toBe(before);
  });
});
