import { checkPersonalId } from '../normalise/personal-id.js';
import { RuleReport } from '../quality/rule-report.js';

/**
 * Correct, the first of the register's qualities, counted from groups of citizens rather than
 * citizen by citizen. The personal ID's rules (checkPersonalId) read only an ID's first six
 * digits (province, century and sex, year) against the citizen's sex and birth year, so every
 * citizen of one (six digits, sex, year) group passes or fails them alike: PostgreSQL groups the
 * register in one scan and the rules run once a group, not once a citizen (at 10 M citizens,
 * streaming every one to Node was 15 s of its CPU a pass). The store's findings about a citizen
 * (the sources disagreeing with the register, a fact after death) are per citizen, and few.
 */

/** Citizens alike for the ID's rules: their IDs' first six characters (null: no ID), sex and birth year. */
export interface IdRuleGroup {
  prefix: string | null;
  sex: string | null;
  /** The first four characters of the date of birth, as the rules read the year. */
  year: string | null;
  citizens: number;
}

/** A citizen a finding of the store is about, with what the ID's rules read. */
export interface CitizenFinding {
  citizenId: string;
  code: string;
  prefix: string | null;
  sex: string | null;
  year: string | null;
}

export interface Correctness {
  failingCitizens: number;
  /** Citizens failing each rule. */
  byRule: Map<string, number>;
}

/**
 * An ID the ID's rules judge as they judge every ID beginning with `prefix` (its first six
 * characters, as `left(personal_id, 6)` gives them): the prefix itself when shorter (the whole
 * ID), else the prefix and six zeros.
 */
export function idOfPrefix(prefix: string): string {
  return prefix.length < 6 ? prefix : `${prefix}000000`;
}

/** The ID rules' codes for the IDs of a group (what ingest flags). */
function idRuleCodes(prefix: string, sex: string | null, year: string | null): string[] {
  const report = new RuleReport();
  checkPersonalId(idOfPrefix(prefix), sex === 'MALE' || sex === 'FEMALE' ? sex : null, year ? Number(year) : null, 'personal_id', report);
  return report.findings.map((finding) => finding.code);
}

/** Citizens failing any rule, and each rule's count, from the register's groups and the findings about citizens (one row per citizen and code). */
export function tallyCorrectness(groups: readonly IdRuleGroup[], findings: readonly CitizenFinding[]): Correctness {
  const byRule = new Map<string, number>();
  const add = (code: string, citizens: number) => byRule.set(code, (byRule.get(code) ?? 0) + citizens);
  const failingGroups = new Set<string>();
  const groupKey = (prefix: string, sex: string | null, year: string | null) => `${prefix}\u001f${sex ?? ''}\u001f${year ?? ''}`;
  let failingCitizens = 0;
  for (const group of groups) {
    if (group.prefix === null) continue;
    const codes = idRuleCodes(group.prefix, group.sex, group.year);
    for (const code of codes) add(code, group.citizens);
    if (codes.length > 0) {
      failingCitizens += group.citizens;
      failingGroups.add(groupKey(group.prefix, group.sex, group.year));
    }
  }
  const countedAlready = new Set<string>();
  for (const finding of findings) {
    add(finding.code, 1);
    if (countedAlready.has(finding.citizenId)) continue;
    countedAlready.add(finding.citizenId);
    if (finding.prefix === null || !failingGroups.has(groupKey(finding.prefix, finding.sex, finding.year))) failingCitizens += 1;
  }
  return { failingCitizens, byRule };
}
