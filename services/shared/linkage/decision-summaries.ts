import type { LinkEvidence, LinkExplanation } from '../schemas/records.js';
import { explanationFromEvidence } from './evidence.js';
import { log2Odds } from './scoring.js';
import type { LinkageSettings } from './settings.js';

/** What a decision's summary sentence is made of: the best and second-best scores, and the thresholds. */
export interface SummaryFacts {
  probability: number;
  weight: number;
  runnerUp: { probability: number; weight: number } | null;
  settings: LinkageSettings;
}

const percent = (p: number) => `${(p * 100).toPrecision(4)}%`;

/**
 * The one sentence of the decisions that carry no explanation on the wire (links, new citizens,
 * records kept unlinked), written when someone asks for the explanation of a stored decision,
 * from its reason, its evidence and the settings it was made with. Review decisions carry theirs
 * in full, written by the engine.
 */
export const DECISION_SUMMARIES: Readonly<Record<string, (facts: SummaryFacts) => string>> = {
  NO_CANDIDATE: () => 'No register citizen shares a blocking key with the record.',
  BELOW_REVIEW_THRESHOLD: ({ probability, settings }) =>
    `The best candidate's match probability ${percent(probability)} is below the review threshold ${percent(settings.thresholds.review_probability)}.`,
  MATCH: ({ probability, weight, runnerUp }) =>
    `The best candidate's match probability is ${percent(probability)}${runnerUp ? `, ${(weight - runnerUp.weight).toFixed(1)} bits ahead of the next` : ''}.`,
  NO_MATCH: ({ probability }) =>
    `No register citizen matches well enough (best match probability ${percent(probability)}), and only a birth registration may create a citizen; the record is kept unlinked until its person is registered.`,
  GUARDIAN_ID: ({ probability }) =>
    `The personal ID belongs to a registered relative (a guardian's ID: a parent's or a child's, or a brother's or sister's) and was not counted; no other citizen matches well enough (best match probability ${percent(probability)}): the record's person is taken as not registered yet.`,
  DETERMINISTIC_RULE: ({ probability, settings }) => {
    const rules = settings.deterministic_links ?? [];
    const sentence = rules.length === 1 ? `${rules[0]!.sentence} ` : '';
    return `${sentence}Linked by a deterministic link of the settings (deterministic_links): only this citizen and the holders of the IDs next to the record's (a twin's) were weighed; match probability ${percent(probability)} among them.`;
  },
  SOURCE_RECORD_LINKED: () => 'An earlier event of the same source record was linked to this citizen.',
  STEWARD_MUST_LINK: () => 'A data steward decided that this record is this citizen.',
};

export function decisionSummary(reason: string, facts: SummaryFacts): string {
  const summary = DECISION_SUMMARIES[reason];
  return summary ? summary(facts) : `Decision ${reason}, match probability ${percent(facts.probability)}.`;
}

/** What a decision says about itself: enough to write its explanation again. */
export interface ExplainableDecision {
  reason: string;
  score: number;
  explanation: LinkExplanation | null;
  evidence: LinkEvidence | null;
}

/**
 * A decision's explanation in words: the one it carries (reviews), or the one its evidence gives
 * back with the settings it was made with; null when it had no candidate to explain.
 */
export function explainDecision(settings: LinkageSettings, decision: ExplainableDecision): LinkExplanation | null {
  if (decision.explanation) return decision.explanation;
  if (!decision.evidence) return null;
  const explanation = explanationFromEvidence(settings, decision.evidence, '');
  const runnerUp = decision.evidence.runner_up_score;
  explanation.summary = decisionSummary(decision.reason, {
    probability: decision.score,
    weight: explanation.total,
    runnerUp: runnerUp === null ? null : { probability: runnerUp, weight: log2Odds(runnerUp) },
    settings,
  });
  return explanation;
}
