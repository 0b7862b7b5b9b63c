import { CompactRegister } from './compact-register.js';
import type { LinkageEngine } from './engine.js';
import { estimateParameters } from './estimate.js';
import type { InMemoryCandidateSource } from './in-memory-candidates.js';
import type { MatchRecord } from './match-record.js';
import type { LinkageSettings } from './settings.js';

/** A pair of register entries the scan reports: `a` before `b` in the register's order. */
export interface PairDecision {
  a: string;
  b: string;
  decision: 'duplicate' | 'review';
  score: number;
}

/**
 * Deduplication of a register against itself, pair by pair, with the linkage engine: every pair
 * that shares a blocking key is scored once, and is a duplicate on the same terms as a link (link
 * threshold, no ID contradicted by name and date of birth, `link_requires_agreement` met), or
 * goes to review above the review threshold. There is no runner-up margin: one person may be
 * registered three times, and each of the three pairs stands on its own evidence.
 */
export function* dedupePairs(engine: LinkageEngine, source: InMemoryCandidateSource): Generator<PairDecision> {
  const { register } = source;
  const { link_probability: link, review_probability: review } = engine.settings.thresholds;
  for (let i = 0; i < register.size; i += 1) {
    const record = register.get(i);
    for (const j of source.candidateIndexes(record)) {
      // Blocking keys are equalities, so j finds i as i finds j: each pair is taken from its first member (a rule's filter, from that member's side).
      if (j <= i) continue;
      const candidate = register.get(j);
      const score = engine.scorer.score(record, candidate);
      if (score.probability < review) continue;
      const duplicate =
        score.probability >= link &&
        !engine.scorer.contradicted(score) &&
        engine.scorer.disagreements(score).length === 0 &&
        engine.scorer.neverLinked(record, candidate) === null;
      yield { a: record.id, b: register.id(j), decision: duplicate ? 'duplicate' : 'review', score: score.probability };
    }
  }
}

/**
 * m, u and the prior for a register scanned against itself, estimated without labels as link-csv
 * does, on the register split in two halves (one the "register", the other the "records"): pairs
 * of an entry with itself would otherwise teach the model that everything agrees.
 */
export function estimateForDedupe(settings: LinkageSettings, register: CompactRegister): LinkageSettings {
  const half = new CompactRegister();
  const others: MatchRecord[] = [];
  for (let i = 0; i < register.size; i += 1) {
    if (i % 2 === 0) half.add(register.get(i));
    else others.push(register.get(i));
  }
  return estimateParameters(settings, half, others).settings;
}
