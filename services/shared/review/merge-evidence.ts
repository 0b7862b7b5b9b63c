import type { NeverLinkRule } from '../linkage/scoring.js';
import { hasProvinceCode } from '../normalise/personal-id.js';

/** What a merge's two citizens say about being one person. */
export interface MergeEvidence {
  /** Both hold a well-formed personal ID (12 digits, a known province) and the two differ. */
  different_valid_ids: boolean;
  /** Both have a birth year and the two differ. */
  different_birth_years: boolean;
  /** The never_link rule that holds for the pair (twins with consecutive IDs), named with its sentence; null when none does. */
  never_link: NeverLinkRule | null;
  /**
   * Strongly against: two people's own IDs and two birth years, or a never_link rule holding for
   * the pair. Refused unless a supervisor overrides it with a reason.
   */
  against: boolean;
}

interface Identity {
  personal_id: string | null;
  date_of_birth: string | null;
}

function validId(id: string | null): id is string {
  return id !== null && /^\d{12}$/.test(id) && hasProvinceCode(id);
}

function birthYear(date: string | null): string | null {
  return date && /^\d{4}/.test(date) ? date.slice(0, 4) : null;
}

/**
 * Whether the evidence is strongly against two citizens being one person. A mistyped ID or a
 * mistyped birth date alone is what a duplicate registration looks like; both at once (each a
 * valid ID of its own) is what two people look like, as two siblings of one name would. Twins
 * share a birth year and their IDs are both valid, so it is the never_link rule holding for the
 * pair (`neverLink`, judged with the linkage settings) that counts against their merge.
 */
export function judgeMergeEvidence(a: Identity, b: Identity, neverLink: NeverLinkRule | null): MergeEvidence {
  const differentIds = validId(a.personal_id) && validId(b.personal_id) && a.personal_id !== b.personal_id;
  const [yearA, yearB] = [birthYear(a.date_of_birth), birthYear(b.date_of_birth)];
  const differentYears = yearA !== null && yearB !== null && yearA !== yearB;
  return {
    different_valid_ids: differentIds,
    different_birth_years: differentYears,
    never_link: neverLink,
    against: (differentIds && differentYears) || neverLink !== null,
  };
}

/** Why the evidence is against a merge, in English, for the refusal's message. */
export function evidenceAgainstText(evidence: MergeEvidence): string {
  const reasons = [
    ...(evidence.different_valid_ids && evidence.different_birth_years ? ['the two citizens have different valid personal IDs and different birth years'] : []),
    ...(evidence.never_link ? [`the never_link rule "${evidence.never_link.name}" holds for the two citizens: ${evidence.never_link.sentence}`] : []),
  ];
  return reasons.join('; and ');
}
