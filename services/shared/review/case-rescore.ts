import { termFrequenciesOf } from '../linkage-io/postgres-candidates.js';
import { ageBandOf, dayInVietnam, dayNumber } from '../linkage/age-prior.js';
import { LinkageEngine } from '../linkage/engine.js';
import { personToMatchRecord, type MatchRecord } from '../linkage/match-record.js';
import type { NeverLinkRule } from '../linkage/scoring.js';
import type { AgeBand, LinkageSettings } from '../linkage/settings.js';
import type { LinkExplanation, NormalisedPerson } from '../schemas/records.js';
import type { Pool } from '../store/db.js';
import { isDuplicateCase, type ReviewCase } from '../store/review-case.js';
import { settingsOfVersionIfKnown } from '../store/settings-versions.js';

/** A candidate scored again: its probability and explanation now, and the never_link rule that holds for the pair now (twins), if one does. */
export interface Rescored {
  score: number;
  explanation: LinkExplanation;
  never_link: NeverLinkRule | null;
}

/**
 * The age band whose prior the record's scores started from, with the settings' own prior beside
 * it, so a steward reads why an infant's record starts lower: null for an adult's record, a
 * duplicate pair (the scan uses the settings' own prior) or a case whose settings are unknown.
 */
export interface PriorBandShown {
  band: AgeBand;
  global_probability: number;
}

/** What the case page shows scored again: per candidate, and the record's age band. */
export interface CaseRescore {
  candidates: Map<string, Rescored>;
  prior_band: PriorBandShown | null;
}

/** The band of the record on the day the case was opened (ages counted as the decision counted them). */
export function priorBandOf(settings: LinkageSettings, record: MatchRecord, openedOn: string): PriorBandShown | null {
  const band = settings.prior_by_age[ageBandOf(settings.prior_by_age, record, dayNumber(openedOn))];
  return band ? { band, global_probability: settings.probability_record_in_register } : null;
}

/**
 * The case's record (or a duplicate pair's first citizen, as it is now) scored again against its
 * candidates as they are now, with the linkage settings of the version that sent it to review,
 * so that only what changed in the register since (a field filled or corrected, a citizen
 * merged) makes the difference with the explanation stored then; with it, the never_link rule
 * that keeps the pair apart, for the case page to name; and the record's age band. Candidates no
 * longer in the register, and a case whose settings version the register does not hold, get none.
 */
export async function rescoreCase(
  pool: Pool,
  reviewCase: ReviewCase,
  record: NormalisedPerson | null,
  candidates: ReadonlyMap<string, NormalisedPerson>,
): Promise<CaseRescore> {
  const rescored = new Map<string, Rescored>();
  if (!record) return { candidates: rescored, prior_band: null };
  const settings = await settingsOfVersionIfKnown(pool, reviewCase.settings_version);
  if (!settings) return { candidates: rescored, prior_band: null };
  const subject = personToMatchRecord(reviewCase.observation_id, record);
  const others = [...candidates].map(([citizenId, person]) => personToMatchRecord(citizenId, person));
  // Ages counted to the day the case was opened, as the decision counted them: an infant's record
  // does not change its score the day its person turns one.
  const openedOn = dayInVietnam(reviewCase.created_at);
  const engine = new LinkageEngine(settings, await termFrequenciesOf(pool, settings, others), { asOf: openedOn });
  // A duplicate pair was scored as a plain pair of citizens by the scan (no guardian rule, only the
  // never_link rules that hold between citizens): the same here.
  const duplicate = isDuplicateCase(reviewCase);
  const scored = duplicate
    ? others.map((other) => {
        // The settings' own prior, as the scan's: two register entries, not a sector record of some age.
        const score = engine.scorer.weigh(other, engine.scorer.levels(subject, other));
        return { citizen_id: other.id, score: score.probability, explanation: engine.scorer.explain(score, null, '') };
      })
    : engine.explainEach(subject, others);
  const byId = new Map(others.map((other) => [other.id, other]));
  for (const candidate of scored) {
    const other = byId.get(candidate.citizen_id);
    if (!candidate.explanation || !other) continue;
    rescored.set(candidate.citizen_id, {
      score: candidate.score,
      explanation: candidate.explanation,
      never_link: duplicate ? engine.scorer.neverLinkedCitizens(subject, other) : engine.scorer.neverLinked(subject, other),
    });
  }
  return { candidates: rescored, prior_band: duplicate ? null : priorBandOf(settings, subject, openedOn) };
}
