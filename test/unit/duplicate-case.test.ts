import { describe, expect, it } from 'vitest';
import { inMemoryLinkage } from '../../services/shared/linkage/batch-linkage.js';
import { judgePair } from '../../services/shared/linkage/dedupe.js';
import { toMatchRecord, type RawPerson } from '../../services/shared/linkage/match-record.js';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { duplicateCandidate, duplicateExplanation } from '../../services/shared/review/duplicate-case.js';
import { generatePopulation } from '../../services/shared/synth/population.js';

const settings = loadSettings();
const background = generatePopulation(1500, 17).map((c) => toMatchRecord(c.citizen_id, c));
const hai: RawPerson = { personal_id: '001085004321', full_name: 'Phan Văn Hải', date_of_birth: '1985-03-07', sex: 'M', address: 'Số 9 Trần Phú, Hà Nội' };
const sentenceOf = (name: string) => settings.never_link.find((rule) => rule.name === name)!.sentence;

/** Two register citizens as the duplicate scan takes them: judged, and the case's summary if one is opened. */
function scanned(a: RawPerson, b: RawPerson) {
  const [first, second] = [toMatchRecord('D1', a), toMatchRecord('D2', b)];
  const { engine } = inMemoryLinkage(settings, [...background, first, second]);
  const judged = judgePair(engine, first, second);
  return { judged, summary: judged ? duplicateExplanation(engine, judged).summary : null, candidate: judged ? duplicateCandidate('D2', judged) : null };
}

describe("a possible-duplicate case of the register's scan", () => {
  it("offers twins with consecutive IDs to a steward under the twins' rule, never as a duplicate", () => {
    const { judged } = scanned(hai, { ...hai, personal_id: '001085004322', full_name: 'Phan Văn Hà' });
    expect([judged?.decision, judged?.neverLink?.name]).toEqual(['review', 'twins']);
  });

  it("gives the twins' rule by name and its sentence in the case's summary, not one person registered twice", () => {
    const { summary } = scanned(hai, { ...hai, personal_id: '001085004322', full_name: 'Phan Văn Hà' });
    expect(summary).toContain(`The never_link rule "twins" holds: ${sentenceOf('twins')}`);
    expect(summary).not.toContain('registered twice');
  });

  it("names the generations' rule for two citizens of one ID born 25 years apart under other given names", () => {
    const { judged, summary } = scanned(hai, { ...hai, full_name: 'Phan Văn Hùng', date_of_birth: '1960-03-07' });
    expect([judged?.decision, judged?.neverLink?.name]).toEqual(['review', 'generations']);
    expect(summary).toContain(sentenceOf('generations'));
  });

  it("stores the twins' rule, name and sentence, with the pair's candidate as data for the case page and the queue", () => {
    const { candidate } = scanned(hai, { ...hai, personal_id: '001085004322', full_name: 'Phan Văn Hà' });
    expect(candidate?.never_link).toEqual({ name: 'twins', sentence: sentenceOf('twins') });
  });

  it('stores no rule with the candidate of a person registered twice', () => {
    const { candidate } = scanned(hai, { ...hai, full_name: 'PHAN VAN HAI' });
    expect(candidate).not.toHaveProperty('never_link');
  });

  it('calls a person registered twice possibly one person, naming no rule', () => {
    const { judged, summary } = scanned(hai, { ...hai, full_name: 'PHAN VAN HAI' });
    expect([judged?.decision, judged?.neverLink]).toEqual(['duplicate', null]);
    expect(summary).toMatch(/match with probability \d+\.\d%: possibly one person registered twice\.$/);
  });
});
