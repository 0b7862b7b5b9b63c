import type { LinkageEngine } from '../linkage/engine.js';
import type { PairJudgement } from '../linkage/dedupe.js';
import { neverLinkSummary } from '../linkage/scoring.js';
import type { LinkExplanation } from '../schemas/records.js';
import type { CaseCandidateEntry } from '../store/review-case.js';

/**
 * The explanation a possible-duplicate case of two register citizens carries. A pair a never_link
 * rule holds for (twins with consecutive IDs, a parent and child sharing an ID) is still offered
 * to a steward, as the engine offers such a record, since the rule says a steward decides; but
 * its summary names the rule and gives its sentence instead of calling it one person registered
 * twice, so that no merge of twins is proposed without the steward having read why not.
 */
export function duplicateExplanation(engine: LinkageEngine, judged: PairJudgement): LinkExplanation {
  const match = `Two citizens of the register share a blocking key and match with probability ${(judged.score.probability * 100).toFixed(1)}%`;
  const summary = judged.neverLink
    ? `${match}, but they may be two people. ${neverLinkSummary(judged.neverLink)}`
    : `${match}: possibly one person registered twice.`;
  return engine.scorer.explain(judged.score, null, summary);
}

/**
 * The second citizen of the pair as the case stores it, with the never_link rule that holds for
 * the pair as data (name and sentence): the case page and the queue read it there, and a case
 * whose settings version is unknown later still names the rule.
 */
export function duplicateCandidate(citizenId: string, judged: PairJudgement): CaseCandidateEntry {
  return { citizen_id: citizenId, score: judged.score.probability, ...(judged.neverLink ? { never_link: judged.neverLink } : {}) };
}
