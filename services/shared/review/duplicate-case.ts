import type { LinkageEngine } from '../linkage/engine.js';
import type { PairJudgement } from '../linkage/dedupe.js';
import { neverLinkSummary } from '../linkage/scoring.js';
import type { LinkExplanation } from '../schemas/records.js';

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
