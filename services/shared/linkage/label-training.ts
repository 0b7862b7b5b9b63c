import type { MatchRecord } from './match-record.js';
import { Scorer } from './scoring.js';
import type { LinkageSettings } from './settings.js';
import type { TermFrequencies } from './term-frequencies.js';
import { levelVector, shares } from './training.js';

/** A pair a steward decided: the same person or not. */
export interface LabelledPair {
  record: MatchRecord;
  citizen: MatchRecord;
  match: boolean;
}

export interface LabelMetrics {
  pairs: number;
  matches: number;
  /** Labelled matches the settings would link, and labelled non-matches they would link. */
  truePositives: number;
  falsePositives: number;
  /** Pairs whose probability falls between the review and link thresholds. */
  toReview: number;
  precision: number | null;
  recall: number | null;
}

export interface LabelTrainingReport {
  current: LabelMetrics;
  retrained: LabelMetrics;
  /** The lowest link threshold that links no labelled non-match (null without non-matches). */
  suggestedLinkProbability: number | null;
  /** The highest review threshold that still sends every labelled match to review or link (null without matches). */
  suggestedReviewProbability: number | null;
  /** Per comparison and level: m and u now, and as the labels estimate them. */
  levels: { comparison: string; level: string; m: number | undefined; u: number | undefined; mFromLabels: number | null; uFromLabels: number | null }[];
}

function metrics(
  settings: LinkageSettings,
  frequencies: TermFrequencies,
  pairs: readonly LabelledPair[],
  asOf: string | null,
): LabelMetrics & { probabilities: number[] } {
  const scorer = new Scorer(settings, frequencies, { asOf });
  const { link_probability: link, review_probability: review } = settings.thresholds;
  // A pair's link threshold is the engine's: a stricter_links rule's where one holds for it.
  const scored = pairs.map((pair) => {
    const score = scorer.score(pair.record, pair.citizen);
    return { probability: score.probability, link: Math.max(link, scorer.stricterLink(pair.record, pair.citizen, score)?.link_probability ?? link) };
  });
  let truePositives = 0;
  let falsePositives = 0;
  let toReview = 0;
  scored.forEach(({ probability, link: threshold }, i) => {
    if (probability >= threshold) {
      if (pairs[i]!.match) truePositives += 1;
      else falsePositives += 1;
    } else if (probability >= review) toReview += 1;
  });
  const matches = pairs.filter((pair) => pair.match).length;
  return {
    pairs: pairs.length,
    matches,
    truePositives,
    falsePositives,
    toReview,
    precision: truePositives + falsePositives > 0 ? truePositives / (truePositives + falsePositives) : null,
    recall: matches > 0 ? truePositives / matches : null,
    probabilities: scored.map((s) => s.probability),
  };
}

/** Level shares among pairs of one class, smoothed as EM training smooths them; null for null levels and when the class has no pairs. */
function sharesOf(settings: LinkageSettings, pairs: readonly LabelledPair[]): (number | null)[][] {
  const counts = settings.comparisons.map((comparison) => comparison.levels.map(() => 0));
  for (const pair of pairs) levelVector(settings, pair.record, pair.citizen).forEach((level, c) => (counts[c]![level]! += 1));
  return shares(counts, settings).map((levels) => levels.map((share) => (pairs.length === 0 || Number.isNaN(share) ? null : share)));
}

/**
 * What the stewards' decisions say about the settings: precision and recall of the current
 * settings on the decided pairs, m re-estimated from the pairs decided to be one person and u
 * from those decided to be two (as Splink estimates from labels), and thresholds that would
 * have separated the labels. Nothing is changed: the caller decides whether to write them.
 */
export function trainFromLabels(
  settings: LinkageSettings,
  frequencies: TermFrequencies,
  pairs: readonly LabelledPair[],
  /** The day records' ages are counted to (age-prior.ts), as the linker counts them. */
  asOf: string | null = null,
): { report: LabelTrainingReport; settings: LinkageSettings } {
  const current = metrics(settings, frequencies, pairs, asOf);
  const m = sharesOf(
    settings,
    pairs.filter((p) => p.match),
  );
  const u = sharesOf(
    settings,
    pairs.filter((p) => !p.match),
  );
  const retrainedSettings: LinkageSettings = {
    ...settings,
    comparisons: settings.comparisons.map((comparison, c) => ({
      ...comparison,
      levels: comparison.levels.map((level, l) => (level.is_null ? level : { ...level, m: m[c]![l] ?? level.m, u: u[c]![l] ?? level.u })),
    })),
  };
  const nonMatches = current.probabilities.filter((_, i) => !pairs[i]!.match);
  const matched = current.probabilities.filter((_, i) => pairs[i]!.match);
  // Thresholds are probabilities: just above the highest non-match, just below the lowest match.
  const suggestedLinkProbability = nonMatches.length > 0 ? Math.min(0.999999, Math.max(...nonMatches) + 1e-6) : null;
  const suggestedReviewProbability = matched.length > 0 ? Math.max(0, Math.min(...matched) - 1e-6) : null;
  const { probabilities: _current, ...currentMetrics } = current;
  const { probabilities: _retrained, ...retrainedMetrics } = metrics(retrainedSettings, frequencies, pairs, asOf);
  return {
    settings: retrainedSettings,
    report: {
      current: currentMetrics,
      retrained: retrainedMetrics,
      suggestedLinkProbability,
      suggestedReviewProbability,
      levels: settings.comparisons.flatMap((comparison, c) =>
        comparison.levels
          .filter((level) => !level.is_null)
          .map((level) => {
            const l = comparison.levels.indexOf(level);
            return { comparison: comparison.name, level: level.label, m: level.m, u: level.u, mFromLabels: m[c]![l] ?? null, uFromLabels: u[c]![l] ?? null };
          }),
      ),
    },
  };
}
