import type { EngineDecision } from '../shared/linkage/engine.js';

export interface Accuracy {
  records: number;
  links: number;
  trueLinks: number;
  falseLinks: number;
  falseLinksToAbsent: number;
  reviews: number;
  news: number;
  linkable: number;
  precision: number;
  recall: number;
  f1: number;
  reviewRate: number;
}

/**
 * Precision and recall of `link` decisions against the truth (the citizen each record is, or
 * null for a person not in the register). A review is neither a true nor a false link.
 */
export function accuracyOf(decisions: readonly EngineDecision[], truth: (recordId: string) => string | null): Accuracy {
  let links = 0;
  let trueLinks = 0;
  let falseLinksToAbsent = 0;
  let reviews = 0;
  let linkable = 0;
  for (const decision of decisions) {
    const expected = truth(decision.recordId);
    if (expected !== null) linkable += 1;
    if (decision.decision === 'REVIEW') reviews += 1;
    if (decision.decision !== 'LINK') continue;
    links += 1;
    if (decision.citizenId === expected) trueLinks += 1;
    else if (expected === null) falseLinksToAbsent += 1;
  }
  const precision = links === 0 ? 1 : trueLinks / links;
  const recall = linkable === 0 ? 1 : trueLinks / linkable;
  return {
    records: decisions.length,
    links,
    trueLinks,
    falseLinks: links - trueLinks,
    falseLinksToAbsent,
    reviews,
    news: decisions.length - links - reviews,
    linkable,
    precision,
    recall,
    f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    reviewRate: reviews / Math.max(1, decisions.length),
  };
}
