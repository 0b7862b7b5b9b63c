import { DancuError } from '../errors.js';
import type { LinkEvidence, LinkExplanation } from '../schemas/records.js';
import type { PairScore, ScoredComparison } from './scoring.js';
import type { LinkageSettings } from './settings.js';

/**
 * A decision's evidence: per comparison, the level reached and the weight it added, with the
 * record's prior of the moment (the register's size then, and the record's age band). Compact on the wire (tens of bytes against a kilobyte of sentences), and
 * with the settings that made the decision it gives back the whole explanation (weights to
 * the 32-bit precision they travel in).
 */
export function evidenceOf(best: PairScore, runnerUp: PairScore | null): LinkEvidence {
  return {
    prior: best.prior,
    levels: best.comparisons.map((c) => c.levelIndex),
    weights: best.comparisons.map((c) => c.weight),
    runner_up_score: runnerUp?.probability ?? null,
  };
}

/** Evidence that does not fit the settings named with it (another version, or a corrupted row). */
function mismatch(message: string): never {
  throw new DancuError('EVIDENCE_MISMATCH', message, { retriable: false });
}

/** Per comparison, what the evidence records, rebuilt against the settings it was made with. */
function comparisonsFromEvidence(settings: LinkageSettings, evidence: LinkEvidence): ScoredComparison[] {
  if (evidence.levels.length !== settings.comparisons.length || evidence.weights.length !== settings.comparisons.length)
    mismatch(`the evidence has ${evidence.levels.length} comparisons, the settings ${settings.comparisons.length}`);
  return settings.comparisons.map((comparison, i): ScoredComparison => {
    const index = evidence.levels[i]!;
    const level = comparison.levels[index];
    if (!level) mismatch(`comparison ${comparison.name} has no level ${index}`);
    const weight = evidence.weights[i]!;
    const probabilistic = !level.is_null && level.m !== undefined && level.u !== undefined;
    return {
      comparison: comparison.name,
      level: level.label,
      levelIndex: index,
      isNull: !probabilistic,
      isElse: index === comparison.levels.length - 1,
      isWeak: probabilistic && level.weak,
      m: probabilistic ? level.m! : null,
      // A term-frequency level's u was the register frequency then: the recorded weight gives it back.
      u: probabilistic ? level.m! / 2 ** weight : null,
      weight: probabilistic ? weight : 0,
      sentence: level.sentence,
    };
  });
}

/** The explanation of a decision from its evidence, as the linker would have written it. */
export function explanationFromEvidence(settings: LinkageSettings, evidence: LinkEvidence, summary: string): LinkExplanation {
  const comparisons = comparisonsFromEvidence(settings, evidence);
  return {
    prior: evidence.prior,
    comparisons: comparisons.map((c) => ({ comparison: c.comparison, level: c.level, m: c.m, u: c.u, weight: c.weight, sentence: c.sentence })),
    total: evidence.prior + comparisons.reduce((sum, c) => sum + c.weight, 0),
    runner_up_score: evidence.runner_up_score,
    summary,
  };
}
