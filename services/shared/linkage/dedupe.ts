import { CompactRegister } from './compact-register.js';
import type { LinkageEngine } from './engine.js';
import { estimateParameters } from './estimate.js';
import type { InMemoryCandidateSource } from './in-memory-candidates.js';
import type { MatchRecord } from './match-record.js';
import type { NeverLinkRule, PairScore } from './scoring.js';
import { DEFAULT_MAX_BLOCK, type LinkageSettings } from './settings.js';

/**
 * The settings a register is scanned against itself with: each rule bounded, by its own
 * max_block_size or DEFAULT_MAX_BLOCK, as the duplicate scan bounds them (the ID's rule too,
 * though settings a user writes may not bound a rule with typo lookups: a placeholder held by
 * hundreds is generic here and looks up no typos).
 */
export function boundedForDedupe(settings: LinkageSettings): LinkageSettings {
  return { ...settings, blocking_rules: settings.blocking_rules.map((rule) => ({ ...rule, max_block_size: rule.max_block_size ?? DEFAULT_MAX_BLOCK })) };
}

/** A pair of register entries the scan reports: `a` before `b` in the register's order. */
export interface PairDecision {
  a: string;
  b: string;
  decision: 'duplicate' | 'review';
  score: number;
}

/** What the engine says of two register entries at or above the review threshold. */
export interface PairJudgement {
  score: PairScore;
  decision: PairDecision['decision'];
  /** The never_link rule that holds for the pair (twins): never a duplicate, and a steward reads its sentence. */
  neverLink: NeverLinkRule | null;
}

/**
 * Two register entries judged as a record and its candidate are: a duplicate on the same terms
 * as a link (link threshold, no ID contradicted by name and date of birth,
 * `link_requires_agreement` met, no never_link rule holding), review above the review
 * threshold, null below it. `a` is the record's side of the settings' rules.
 */
export function judgePair(engine: LinkageEngine, a: MatchRecord, b: MatchRecord): PairJudgement | null {
  const { link_probability: link, review_probability: review } = engine.settings.thresholds;
  // A pair that cannot reach review is given up before its costliest comparisons (scoreReaching).
  const score = engine.scorer.scoreReaching(a, b, review);
  if (score === null || score.probability < review) return null;
  const neverLink = engine.scorer.neverLinkedCitizens(a, b);
  const duplicate = score.probability >= link && !engine.scorer.contradicted(score) && engine.scorer.disagreements(score).length === 0 && neverLink === null;
  return { score, decision: duplicate ? 'duplicate' : 'review', neverLink };
}

/**
 * Deduplication of a register against itself, pair by pair, with the linkage engine: every pair
 * that shares a blocking key, or that a rule's typo lookup brings together, is scored once and
 * judged (judgePair), its first member in the register's order as the record. There is no
 * runner-up margin: one person may be registered three times, and each of the three pairs stands
 * on its own evidence.
 */
export function* dedupePairs(engine: LinkageEngine, source: InMemoryCandidateSource): Generator<PairDecision> {
  const { register } = source;
  const throughTypos: number[] = [];
  const pair = (a: MatchRecord, b: MatchRecord): PairDecision | null => {
    const judged = judgePair(engine, a, b);
    return judged && { a: a.id, b: b.id, decision: judged.decision, score: judged.score.probability };
  };
  for (let i = 0; i < register.size; i += 1) {
    const record = register.get(i);
    throughTypos.length = 0;
    for (const j of source.candidateIndexes(record, { entry: i, throughTypos })) {
      // Blocking keys are equalities, so j finds i as i finds j: each pair is taken from its first member (a rule's filter, from that member's side).
      if (j <= i) continue;
      const found = pair(record, register.get(j));
      if (found) yield found;
    }
    // An entry looks up typo variants only when nobody else holds its key: an earlier entry found
    // this way may share its key with a third and not have looked for this one. The pair is taken
    // here when the earlier entry's own lookup did not find it.
    for (const j of throughTypos) {
      if (j >= i) continue;
      const earlier = register.get(j);
      if (source.candidateIndexes(earlier, { entry: j, again: true }).includes(i)) continue;
      const found = pair(earlier, record);
      if (found) yield found;
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
