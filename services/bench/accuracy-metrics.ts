import type { PairDecision } from '../shared/linkage/dedupe.js';
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

export interface PairAccuracy {
  truePairs: number;
  /** Recall when the duplicate pairs are grouped (A = B and B = C make A = C, as merging them would): precision stays what the groups' pairs give. */
  grouped: { precision: number; recall: number; f1: number };
  duplicates: number;
  trueDuplicates: number;
  reviews: number;
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Deduplication scored on pairs, as Splink and the FEBRL literature score it: precision = true
 * pairs among those called duplicates, recall = of all pairs of entries of one entity (every
 * pair, not only those blocking reaches); a pair sent to review is neither.
 */
export function pairAccuracyOf(pairs: Iterable<PairDecision>, entries: readonly string[], entityOf: (id: string) => string): PairAccuracy {
  const sizes = new Map<string, number>();
  for (const id of entries) sizes.set(entityOf(id), (sizes.get(entityOf(id)) ?? 0) + 1);
  const truePairs = [...sizes.values()].reduce((sum, n) => sum + (n * (n - 1)) / 2, 0);
  let duplicates = 0;
  let trueDuplicates = 0;
  let reviews = 0;
  const parent = new Map<string, string>();
  const root = (id: string): string => {
    let at = id;
    while (parent.has(at)) at = parent.get(at)!;
    return at;
  };
  for (const pair of pairs) {
    if (pair.decision === 'review') {
      reviews += 1;
      continue;
    }
    duplicates += 1;
    if (entityOf(pair.a) === entityOf(pair.b)) trueDuplicates += 1;
    const [a, b] = [root(pair.a), root(pair.b)];
    if (a !== b) parent.set(a, b);
  }
  const groups = new Map<string, Map<string, number>>();
  for (const id of entries) {
    const members = groups.get(root(id)) ?? new Map<string, number>();
    members.set(entityOf(id), (members.get(entityOf(id)) ?? 0) + 1);
    groups.set(root(id), members);
  }
  let groupedPairs = 0;
  let groupedTrue = 0;
  for (const members of groups.values()) {
    const size = [...members.values()].reduce((sum, n) => sum + n, 0);
    groupedPairs += (size * (size - 1)) / 2;
    for (const n of members.values()) groupedTrue += (n * (n - 1)) / 2;
  }
  return {
    truePairs,
    duplicates,
    trueDuplicates,
    reviews,
    ...scores(duplicates === 0 ? 1 : trueDuplicates / duplicates, truePairs === 0 ? 1 : trueDuplicates / truePairs),
    grouped: scores(groupedPairs === 0 ? 1 : groupedTrue / groupedPairs, truePairs === 0 ? 1 : groupedTrue / truePairs),
  };
}

function scores(precision: number, recall: number): { precision: number; recall: number; f1: number } {
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}
