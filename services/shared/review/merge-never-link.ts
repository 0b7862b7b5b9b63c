import { personToMatchRecord } from '../linkage/match-record.js';
import { neverLinkTest, type NeverLinkRule } from '../linkage/scoring.js';
import { citizenAsPerson, type CitizenRow } from '../register/citizen-row.js';
import type { Pool, PoolClient } from '../store/db.js';
import { isDuplicateCase, type ReviewCase } from '../store/review-case.js';
import { currentSettingsVersion, settingsOfVersionIfKnown } from '../store/settings-versions.js';

/**
 * The never_link rule that holds for two citizens a steward would merge (twins with consecutive
 * IDs), for the merge's evidence: judged with the linkage settings of the version that opened the
 * case, as the case page names the rule, or with the register's current settings for a case of
 * an unknown version; failing both, the rule a duplicate case stored for its pair. A rule names a
 * record's side and a citizen's, and a merge has neither, so both orders are tried.
 */
export async function neverLinkOfMerge(db: Pool | PoolClient, reviewCase: ReviewCase, a: CitizenRow, b: CitizenRow): Promise<NeverLinkRule | null> {
  const settings = (await settingsOfVersionIfKnown(db, reviewCase.settings_version)) ?? (await settingsOfVersionIfKnown(db, await currentSettingsVersion(db)));
  if (!settings) return isDuplicateCase(reviewCase) ? (reviewCase.candidates[0]?.never_link ?? null) : null;
  const test = neverLinkTest(settings, 'citizens');
  const [first, second] = [personToMatchRecord(a.citizen_id, citizenAsPerson(a)), personToMatchRecord(b.citizen_id, citizenAsPerson(b))];
  return test(first, second) ?? test(second, first);
}
