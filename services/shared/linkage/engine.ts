import type { Candidate, DecisionKind, LinkEvidence, LinkExplanation } from '../schemas/records.js';
import type { CandidateSource, FirstLookup } from './candidate-source.js';
import { DeterministicLinks } from './deterministic-links.js';
import { evidenceOf } from './evidence.js';
import { settingsVersion } from './settings-version.js';
import type { MatchRecord } from './match-record.js';
import { neverLinkSummary, posteriorOfFirst, probabilityOf, Scorer, type PairScore, type ScorerOptions } from './scoring.js';
import type { LinkageSettings } from './settings.js';
import type { TermFrequencies } from './term-frequencies.js';

export interface EngineDecision {
  recordId: string;
  decision: DecisionKind;
  citizenId: string | null;
  /** Match probability of the best candidate (0 when there was none). */
  score: number;
  reason: string;
  candidates: Candidate[];
  /** In words, for REVIEW only: a steward reads it. The others are explained on demand from `evidence`. */
  explanation: LinkExplanation | null;
  /** The best candidate's levels and weights; null when there was no candidate. */
  evidence: LinkEvidence | null;
}

const MAX_CANDIDATES_REPORTED = 5;

/** The reason of a link a deterministic link of the settings made (its method is DETERMINISTIC). */
export const DETERMINISTIC_RULE = 'DETERMINISTIC_RULE';

export type LevelsOf = (candidate: MatchRecord) => readonly number[];

/** A candidate as the decision first sees it: its place among the candidates, the levels it reached and its weight. */
interface Weighed {
  at: number;
  citizenId: string;
  levels: readonly number[];
  weight: number;
}

/** Heaviest first; ties broken by citizen id, so the decision does not depend on the order candidates arrived in. */
function heaviestFirst(a: Weighed, b: Weighed): number {
  return b.weight - a.weight || (a.citizenId < b.citizenId ? -1 : a.citizenId > b.citizenId ? 1 : 0);
}

/**
 * What a record whose ID is a guardian's, or another citizen's, becomes when no candidate is
 * probable enough: NEW (its person is not registered) for whoever only looks for a citizen; REVIEW
 * for a caller that would create a citizen from it, since a new citizen must not carry an ID the
 * register holds (the store, given NEW for a record whose ID a citizen registered before the
 * decision holds, opens that review itself: plan-decisions.ts).
 */
export type GuardianOutcome = 'NEW' | 'REVIEW';

/**
 * The linkage engine: pure, no I/O. Links a record by the settings' deterministic links when
 * one settles it (settledBy); otherwise scores it against its candidates and decides: link
 * when the best candidate is probable enough and clearly ahead of the runner-up, review when it
 * is uncertain, when its ID is contradicted by name and date of birth, or when a never_link rule
 * holds for it (NEVER_LINK_RULE, the rule named in the summary), new otherwise. An ID
 * that the settings' guardian_id rule calls a guardian's is left out of the evidence.
 */
export class LinkageEngine {
  readonly scorer: Scorer;
  /** Every decision names it: the settings' content hash. */
  readonly settingsVersion: string;
  private readonly deterministic: DeterministicLinks;

  constructor(
    readonly settings: LinkageSettings,
    frequencies: TermFrequencies,
    options: ScorerOptions = {},
  ) {
    this.scorer = new Scorer(settings, frequencies, options);
    this.settingsVersion = settingsVersion(settings);
    this.deterministic = new DeterministicLinks(settings);
  }

  /**
   * `levelsOf` gives each candidate's comparison levels when they are already known: a shadow
   * run computes them once for two settings whose comparisons test alike (scoring.ts sameLevels).
   */
  decide(record: MatchRecord, candidates: readonly MatchRecord[], levelsOf?: LevelsOf, guardianOutcome: GuardianOutcome = 'NEW'): EngineDecision {
    const levels = candidates.map((candidate) => (levelsOf ? levelsOf(candidate) : this.scorer.levels(record, candidate)));
    return this.settledBy(record, candidates, levels, guardianOutcome) ?? this.weighAndDecide(record, candidates, levels, guardianOutcome);
  }

  /**
   * The settings' deterministic links (deterministic-links.ts): the first rule that exactly one
   * candidate sharing the record's key under its blocking rule meets, and to which the record is
   * linked when weighed against that candidate and the holders of the key's near keys alone (a
   * twin's consecutive ID), links it there, the other candidates unweighed. A lookup's first step
   * finds exactly those candidates, so the decision is the same on its answer as on the full one.
   * Null when no rule settles it: the record is weighed against every candidate.
   */
  private settledBy(
    record: MatchRecord,
    candidates: readonly MatchRecord[],
    levels: readonly (readonly number[])[],
    guardianOutcome: GuardianOutcome,
  ): EngineDecision | null {
    for (const { holdsAt, found } of this.deterministic.rules) {
      const how = found(record, candidates);
      const meeting = candidates.flatMap((_, i) => (how[i] === 'key' && holdsAt(levels[i]!) ? [i] : []));
      if (meeting.length !== 1) continue;
      const weighed = candidates.flatMap((_, i) => (i === meeting[0] || how[i] === 'near' ? [i] : []));
      const decision = this.weighAndDecide(
        record,
        weighed.map((i) => candidates[i]!),
        weighed.map((i) => levels[i]!),
        guardianOutcome,
      );
      if (decision.decision === 'LINK' && decision.citizenId === candidates[meeting[0]!]!.id) return { ...decision, reason: DETERMINISTIC_RULE };
    }
    return null;
  }

  /**
   * What a lookup in two steps needs of the engine (candidate-source.ts): the blocking rules of
   * the deterministic links, and whether a record's candidates under them settle it. Null when the
   * settings declare no deterministic link.
   */
  firstLookup(): FirstLookup | null {
    if (this.deterministic.rules.length === 0) return null;
    return {
      first: this.deterministic.firstRules,
      settles: (record, candidates) => {
        const levels = candidates.map((candidate) => this.scorer.levels(record, candidate));
        return this.settledBy(record, candidates, levels, 'NEW') !== null;
      },
    };
  }

  private weighAndDecide(
    record: MatchRecord,
    candidates: readonly MatchRecord[],
    levels: readonly (readonly number[])[],
    guardianOutcome: GuardianOutcome,
  ): EngineDecision {
    const { weighed, guardians, prior } = this.weighAll(record, candidates, levels);
    const ranked = weighed.sort(heaviestFirst);
    // Only the candidates a decision reports (at least two: the best and the runner-up) are scored comparison by comparison; the others count by their weight alone.
    const top = ranked.slice(0, MAX_CANDIDATES_REPORTED).map((w) => this.scorer.weigh(candidates[w.at]!, w.levels, prior));
    const [best, runnerUp] = top as [PairScore | undefined, PairScore | undefined];
    // Stewards compare candidates side by side: a review carries every candidate's explanation (a link or a new citizen needs only the best's).
    const reported = (decision: DecisionKind): Candidate[] =>
      top.map((s, rank) => ({
        citizen_id: s.citizenId,
        score: s.probability,
        ...(decision === 'REVIEW'
          ? { explanation: this.scorer.explain(s, null, `Candidate ${rank + 1} of ${top.length}: match probability ${(s.probability * 100).toPrecision(4)}%.`) }
          : {}),
      }));
    const { review_probability: review, min_margin_weight: margin, posterior_over_candidates: overAll } = this.settings.thresholds;
    const chance = overAll === true ? posteriorOfFirst(ranked.map((w) => w.weight)) : (best?.probability ?? 0);
    // Only a review carries its explanation in words; the others are explained on demand from their evidence (decision-summaries.ts).
    const result = (decision: DecisionKind, reason: string, summary = ''): EngineDecision => ({
      recordId: record.id,
      decision,
      citizenId: decision === 'LINK' ? (best?.citizenId ?? null) : null,
      score: chance,
      reason,
      candidates: reported(decision),
      explanation: decision === 'REVIEW' ? this.scorer.explain(best ?? null, runnerUp ?? null, summary) : null,
      evidence: best ? evidenceOf(best, runnerUp ?? null) : null,
    });

    // A guardian's ID says nothing of who the record's person is: without a candidate probable
    // enough, the person is not registered (a newborn's vaccination before the birth is), and
    // the record is new or, where it would create a citizen carrying the guardian's ID, reviewed.
    const guardianNote =
      "The personal ID belongs to a registered relative (a guardian's ID: a parent's or a child's, or a brother's or sister's whose birth year its digits give); it was not counted for or against any candidate.";
    if (!best) return guardians > 0 ? result(guardianOutcome, 'GUARDIAN_ID', guardianNote) : result('NEW', 'NO_CANDIDATE');
    const percent = (p: number) => `${(p * 100).toPrecision(4)}%`;
    // A record whose ID belongs to someone its name and birth date contradict: a mistyped ID, or
    // another person's. It is never linked to that ID's owner; another candidate may still win on
    // its own evidence below, but a record that goes to review for any reason goes as a
    // contradicted ID: that is what the steward must resolve first, whatever the best score.
    const idPointsElsewhere = ranked.some((w) => this.scorer.contradictedAt(w.levels));
    const toReview = (reason: string, summary: string): EngineDecision =>
      idPointsElsewhere
        ? result(
            'REVIEW',
            'PID_CONTRADICTED',
            this.scorer.contradicted(best)
              ? 'The personal ID matches a citizen whose name and date of birth both disagree: possibly a mistyped ID.'
              : `The personal ID belongs to a citizen whose name and date of birth both disagree; the best other candidate matches with probability ${percent(best.probability)}: possibly a mistyped ID.`,
          )
        : result('REVIEW', reason, guardians > 0 ? `${summary} ${guardianNote}` : summary);
    if (this.scorer.contradicted(best)) return toReview('PID_CONTRADICTED', '');
    // Whether any candidate is probable is the pair's question: two namesakes that halve each
    // other's chance below review_probability are a case for a steward, not a new person.
    if (best.probability < review) {
      if (idPointsElsewhere) return toReview('PID_CONTRADICTED', '');
      if (guardians > 0) return result(guardianOutcome, 'GUARDIAN_ID', guardianNote);
      // A son's birth carrying his mother's ID, born a digit from her date (never_link's generations): not her, and no new citizen can take her ID.
      const holder = ranked.find((w) => this.scorer.holdsRecordIdAt(w.levels));
      if (holder && guardianOutcome === 'REVIEW')
        return result(
          'REVIEW',
          'PID_CONTRADICTED',
          `The personal ID belongs to a registered citizen this record matches with probability ${percent(probabilityOf(holder.weight))} only, and a new citizen cannot carry it.`,
        );
      return result('NEW', 'BELOW_REVIEW_THRESHOLD');
    }
    if (runnerUp && best.weight - runnerUp.weight < margin && runnerUp.probability >= review) {
      return toReview('AMBIGUOUS', `Two candidates score close together (${best.weight.toFixed(1)} and ${runnerUp.weight.toFixed(1)} bits).`);
    }
    const bestCandidate = candidates.find((candidate) => candidate.id === best.citizenId);
    // A rule of its own, not a required field: the steward reads the rule's sentence (twins, a parent's ID), not a field that disagrees.
    const forbidden = bestCandidate ? this.scorer.neverLinked(record, bestCandidate) : null;
    if (forbidden) return toReview('NEVER_LINK_RULE', neverLinkSummary(forbidden));
    const disagreeing = this.scorer.disagreements(best);
    if (disagreeing.length > 0) {
      const groups = disagreeing.map((group) => group.join(' or ').replace(/_/g, ' '));
      return toReview(
        'REQUIRED_FIELD_DISAGREES',
        `The best candidate is probable, but none of ${groups.join('; ')} agrees closely enough, and a link requires one to.`,
      );
    }
    if (chance < this.settings.thresholds.link_probability) {
      return toReview('BETWEEN_THRESHOLDS', `The best candidate's match probability ${percent(chance)} is between the review and link thresholds.`);
    }
    const stricter = bestCandidate ? this.scorer.stricterLink(record, bestCandidate, best) : null;
    if (stricter && chance < stricter.link_probability) {
      return toReview(
        'BETWEEN_THRESHOLDS',
        `${stricter.sentence} The best candidate's match probability ${percent(chance)} is below this rule's (${stricter.name}) link threshold ${percent(stricter.link_probability)}.`,
      );
    }
    return result('LINK', 'MATCH');
  }

  /**
   * Each candidate's probability and explanation, whatever the decision would be (a guardian of
   * the record is left out, as the decision leaves it out): a steward compares a case's stored
   * explanations with the same record scored against its candidates as they are now.
   */
  explainEach(record: MatchRecord, candidates: readonly MatchRecord[]): Candidate[] {
    const levels = candidates.map((candidate) => this.scorer.levels(record, candidate));
    const { weighed, prior } = this.weighAll(record, candidates, levels);
    return weighed.map((w) => {
      const s = this.scorer.weigh(candidates[w.at]!, w.levels, prior);
      return { citizen_id: s.citizenId, score: s.probability, explanation: this.scorer.explain(s, null, '') };
    });
  }

  /**
   * Every candidate's levels and weight, in the candidates' order. When the record's ID is a
   * guardian's (settings' guardian_id), the guardians are left out, never to be linked, and the
   * others are weighed with the ID silenced.
   */
  private weighAll(
    record: MatchRecord,
    candidates: readonly MatchRecord[],
    levels: readonly (readonly number[])[],
  ): { weighed: Weighed[]; guardians: number; prior: number } {
    const prior = this.scorer.priorOf(record);
    const isGuardian = candidates.map((candidate, i) => this.scorer.guardianAt(record, candidate, levels[i]!));
    const guardians = isGuardian.filter(Boolean).length;
    const weighed: Weighed[] = [];
    candidates.forEach((candidate, i) => {
      if (isGuardian[i]) return;
      const counted = guardians === 0 ? levels[i]! : this.scorer.silence(levels[i]!, this.scorer.guardianSilenced);
      weighed.push({ at: i, citizenId: candidate.id, levels: counted, weight: this.scorer.weightOf(candidate, counted, prior) });
    });
    return { weighed, guardians, prior };
  }

  async decideAll(records: readonly MatchRecord[], source: CandidateSource): Promise<EngineDecision[]> {
    const firstLookup = this.firstLookup() ?? undefined;
    const candidatesOf = source.candidatesOf?.bind(source);
    if (candidatesOf) return records.map((record) => this.decide(record, candidatesOf(record, firstLookup)));
    const candidates = await source.candidatesFor(records, firstLookup);
    return records.map((record, index) => this.decide(record, candidates[index] ?? []));
  }
}
