import type { ComparisonExplanation, LinkExplanation } from '../schemas/records.js';
import { ageBandOf, dayNumber } from './age-prior.js';
import type { MatchRecord } from './match-record.js';
import { compilePredicate, predicateCost, type CompiledPredicate } from './predicates.js';
import type { ComparisonSettings, LevelSettings, LinkageSettings } from './settings.js';
import type { TermFrequencies } from './term-frequencies.js';

export interface ScoredComparison {
  comparison: string;
  level: string;
  levelIndex: number;
  isNull: boolean;
  isElse: boolean;
  /** A level that agrees too loosely to satisfy link_requires_agreement. */
  isWeak: boolean;
  m: number | null;
  u: number | null;
  weight: number;
  sentence: string;
}

/** A never_link rule that holds for a pair: its name (`twins`) and the sentence a steward reads. */
export interface NeverLinkRule {
  name: string;
  sentence: string;
}

/** A stricter_links rule of the settings' thresholds. */
export type StricterLink = NonNullable<LinkageSettings['thresholds']['stricter_links']>[number];

/** A stricter_links rule with its `when` compiled (null: the rule has none). */
interface CompiledStricterLink {
  rule: StricterLink;
  test: CompiledPredicate | null;
}

/** The rule named and its sentence, as a review's summary gives it (the engine's cases and the register's duplicate scan alike). */
export function neverLinkSummary(rule: NeverLinkRule): string {
  return `The never_link rule "${rule.name}" holds: ${rule.sentence}`;
}

/**
 * The settings' never_link rules, compiled once: the first that holds for a record and a citizen,
 * or null; between two register citizens (`citizens`), only the rules that hold there too.
 */
export function neverLinkTest(
  settings: LinkageSettings,
  between: 'record_and_citizen' | 'citizens' = 'record_and_citizen',
): (record: MatchRecord, citizen: MatchRecord) => NeverLinkRule | null {
  const rules = settings.never_link.filter((rule) => between === 'record_and_citizen' || rule.between_citizens !== false);
  const tests = rules.map(({ name, when, sentence }) => ({ test: compilePredicate(when), rule: { name, sentence } }));
  return (record, citizen) => tests.find(({ test }) => test(record, citizen))?.rule ?? null;
}

export interface PairScore {
  citizenId: string;
  /** The record's prior the weight starts from (Scorer.priorOf). */
  prior: number;
  weight: number;
  probability: number;
  comparisons: ScoredComparison[];
}

export function log2Odds(probability: number): number {
  return Math.log2(probability / (1 - probability));
}

/** The prior probability that one (record, citizen) pair is a match: the share of records in the register over its size. */
export function pairPrior(shareInRegister: number, registerSize: number): number {
  return Math.min(0.5, shareInRegister / Math.max(1, registerSize));
}

export function probabilityOf(weight: number): number {
  return 1 / (1 + 2 ** -weight);
}

/**
 * The probability that the first of these scores is the record's person, weighed against every
 * candidate and against nobody: at most one citizen is the record's person, so each candidate's
 * odds (prior included) compete with the others' and with "none of them" (odds 1). Two namesakes
 * with the same date of birth halve each other's chance, whatever the margin between them.
 */
export function posteriorOfFirst(weights: readonly number[]): number {
  const [first] = weights;
  if (first === undefined) return 0;
  // Relative to the first candidate's odds, so that no power of two overflows.
  let others = 2 ** -first;
  for (let i = 1; i < weights.length; i += 1) others += 2 ** (weights[i]! - first);
  return 1 / (1 + others);
}

const NONE: ReadonlySet<string> = new Set();

export interface ScorerOptions {
  /**
   * The day (YYYY-MM-DD) the settings' prior_by_age bands count a record's age to: the clock's day
   * in Vietnam, a case's day, or --as-of as the CLI checked it; without it no record is in a band.
   */
  asOf?: string | null;
}

/**
 * What is added to a pair's ceiling before it is found short: the ceiling is summed in another
 * order than the weight, so the two may differ in their last bits.
 */
const CEILING_SLACK = 1e-9;

/** A level's weight with this u: its own (log2(m/u) with its own u) when u is the level's, else log2(m/u). */
function weightWithU(own: number, level: LevelSettings, u: number): number {
  return u === level.u ? own : Math.log2(level.m! / u);
}

const LEVEL_TESTS = new WeakMap<ComparisonSettings, CompiledPredicate[]>();

/** Whether two settings' comparisons put every pair at the same levels (their tests agree; m, u and thresholds may differ). */
export function sameLevels(a: LinkageSettings, b: LinkageSettings): boolean {
  const shape = (settings: LinkageSettings) => JSON.stringify(settings.comparisons.map((c) => [c.name, c.levels.map((level) => level.when)]));
  return shape(a) === shape(b);
}

/** The index of the first level of the comparison that holds for the pair (the last one is always else). */
export function levelIndex(comparison: ComparisonSettings, a: MatchRecord, b: MatchRecord): number {
  return firstHolding(levelTests(comparison), a, b);
}

/** Comparison c's level for a pair, each comparison's tests looked up once: for callers that level many pairs. */
export function levelOfComparison(settings: LinkageSettings): (c: number, a: MatchRecord, b: MatchRecord) => number {
  const tests = settings.comparisons.map(levelTests);
  return (c, a, b) => firstHolding(tests[c]!, a, b);
}

/** A comparison's level tests, compiled once per comparison settings. */
function levelTests(comparison: ComparisonSettings): CompiledPredicate[] {
  let tests = LEVEL_TESTS.get(comparison);
  if (!tests) {
    tests = comparison.levels.map((level) => compilePredicate(level.when));
    LEVEL_TESTS.set(comparison, tests);
  }
  return tests;
}

function firstHolding(tests: readonly CompiledPredicate[], a: MatchRecord, b: MatchRecord): number {
  for (let index = 0; index < tests.length; index += 1) if (tests[index]!(a, b)) return index;
  return tests.length - 1;
}

/**
 * Marks weak the levels reached whose `weak_when_else` names a comparison that is at its else
 * level for the pair, or at a level weak of itself (a given name one letter off: a twin's, as
 * often as a typo). Levels weak of themselves are read before any is weakened here.
 */
export function weakenWhenElse(settings: LinkageSettings, comparisons: ScoredComparison[]): void {
  // Most settings weaken no level this way: a pair that reached none of them needs no set.
  if (!comparisons.some((scored, i) => settings.comparisons[i]?.levels[scored.levelIndex]?.weak_when_else !== undefined)) return;
  const disagrees = new Set(comparisons.filter((c) => c.isElse || (c.isWeak && !c.isNull)).map((c) => c.comparison));
  comparisons.forEach((scored, i) => {
    const conditions = settings.comparisons[i]?.levels[scored.levelIndex]?.weak_when_else;
    if (conditions && !scored.isNull && conditions.some((name) => disagrees.has(name))) scored.isWeak = true;
  });
}

/** A scored pair's levels, in the settings' order of comparisons. */
function levelsOfScore(score: PairScore): number[] {
  return score.comparisons.map((c) => c.levelIndex);
}

/**
 * Fellegi–Sunter scoring: prior log-odds plus log2(m/u) of the level each comparison reaches.
 * A null level weighs nothing; a term-frequency level uses the register frequency of the value as u.
 */
export class Scorer {
  /** The prior of a record in no age band (settings' probability_record_in_register over the register's size). */
  readonly priorWeight: number;
  /** Per `prior_by_age` band, its prior, and the reference day the bands count ages to (null: none). */
  private readonly bandPriors: number[];
  private readonly asOfDay: number | null;
  /** Per comparison, the index of its strongest level (the first that is not a null level). */
  private readonly agreementLevel: Map<string, number>;
  /** Per comparison name (the settings refuse two of one name), its place in the settings (and in a pair's levels). */
  private readonly comparisonAt: Map<string, number>;
  /** The settings' guardian_id rule, compiled once; null when the settings declare none. */
  private readonly guardianTest: CompiledPredicate | null;
  /** The comparisons a guardian's ID leaves silent for the other candidates. */
  readonly guardianSilenced: ReadonlySet<string>;
  /** The settings' stricter_links rules, each with its test compiled once (none: no `when`). */
  private readonly stricterLinks: CompiledStricterLink[];
  /** The settings' never_link rules, compiled once. */
  private readonly neverLinkOf: (record: MatchRecord, citizen: MatchRecord) => NeverLinkRule | null;
  private readonly neverLinkOfCitizens: (a: MatchRecord, b: MatchRecord) => NeverLinkRule | null;
  /** Per comparison and level, log2(m/u) with the level's own u (null for a level without m and u): the same for every pair that reaches it without a term frequency. */
  private readonly levelWeights: (number | null)[][];
  /** Per comparison, its level tests: held here, not looked up per pair. */
  private readonly tests: CompiledPredicate[][];
  /** Per comparison, the most weight any pair can get from it (a term-frequency level at tf_minimum_u; 0 when every level weighs less). */
  private readonly maxWeights: number[];
  /** The comparisons' indexes, the cheapest to test first (predicateCost of all their levels), for scoreReaching. */
  private readonly cheapestFirst: number[];
  /** The most weight the comparisons can add to a pair's prior: every comparison's maxWeights. */
  private readonly ceilingWeight: number;

  constructor(
    readonly settings: LinkageSettings,
    private readonly frequencies: TermFrequencies,
    options: ScorerOptions = {},
  ) {
    const priorOfShare = (share: number) => log2Odds(pairPrior(share, frequencies.total));
    this.priorWeight = priorOfShare(settings.probability_record_in_register);
    this.bandPriors = settings.prior_by_age.map((band) => priorOfShare(band.probability_record_in_register));
    this.asOfDay = options.asOf ? dayNumber(options.asOf) : null;
    this.agreementLevel = new Map(settings.comparisons.map((c) => [c.name, c.levels.findIndex((level) => !level.is_null)]));
    this.comparisonAt = new Map(settings.comparisons.map((c, i) => [c.name, i]));
    this.guardianTest = settings.guardian_id ? compilePredicate(settings.guardian_id.when) : null;
    this.guardianSilenced = new Set(settings.guardian_id ? [settings.guardian_id.identifier] : []);
    this.stricterLinks = (settings.thresholds.stricter_links ?? []).map((rule) => ({ rule, test: rule.when ? compilePredicate(rule.when) : null }));
    this.neverLinkOf = neverLinkTest(settings);
    this.neverLinkOfCitizens = neverLinkTest(settings, 'citizens');
    this.tests = settings.comparisons.map(levelTests);
    this.levelWeights = settings.comparisons.map((comparison) =>
      comparison.levels.map((level) => (level.is_null || level.m === undefined || level.u === undefined ? null : Math.log2(level.m / level.u))),
    );
    this.maxWeights = settings.comparisons.map((comparison, i) =>
      Math.max(0, ...comparison.levels.map((level, index) => Math.max(this.levelWeights[i]![index] ?? 0, this.tfCeiling(level)))),
    );
    const costs = settings.comparisons.map((comparison) => comparison.levels.reduce((sum, level) => sum + predicateCost(level.when), 0));
    this.cheapestFirst = costs.map((_, i) => i).sort((a, b) => costs[a]! - costs[b]! || a - b);
    this.ceilingWeight = this.maxWeights.reduce((sum, weight) => sum + weight, 0);
  }

  /** The most a term-frequency level can weigh: its value's frequency is never taken below tf_minimum_u. */
  private tfCeiling(level: LevelSettings): number {
    return level.tf_feature && !level.is_null && level.m !== undefined ? Math.log2(level.m / this.settings.tf_minimum_u) : -Infinity;
  }

  /** The record's prior: its age band's (settings' prior_by_age), else the settings' one. */
  priorOf(record: MatchRecord): number {
    const band = ageBandOf(this.settings.prior_by_age, record, this.asOfDay);
    return band < 0 ? this.priorWeight : this.bandPriors[band]!;
  }

  /** The first never_link rule that holds for the pair (twins), or null. */
  neverLinked(record: MatchRecord, citizen: MatchRecord): NeverLinkRule | null {
    return this.neverLinkOf(record, citizen);
  }

  /**
   * The first stricter_links rule that holds for the record and its best candidate, scored as
   * `score` (a guardian's ID set aside stands at its null level there), or null: the link
   * threshold is then the rule's.
   */
  stricterLink(record: MatchRecord, citizen: MatchRecord, score: PairScore): StricterLink | null {
    const isNull = (name: string) => score.comparisons.find((c) => c.comparison === name)?.isNull === true;
    const holds = ({ rule, test }: CompiledStricterLink) => (rule.null_comparisons ?? []).every(isNull) && (test === null || test(record, citizen));
    return this.stricterLinks.find(holds)?.rule ?? null;
  }

  /** The first never_link rule that holds for two register citizens, or null (settings' `between_citizens`). */
  neverLinkedCitizens(a: MatchRecord, b: MatchRecord): NeverLinkRule | null {
    return this.neverLinkOfCitizens(a, b);
  }

  /** The pair's score; the `silenced` comparisons stand at their null level, as if a value were missing. */
  score(record: MatchRecord, citizen: MatchRecord, silenced: ReadonlySet<string> = NONE): PairScore {
    return this.weigh(citizen, this.silence(this.levels(record, citizen), silenced), this.priorOf(record));
  }

  /**
   * The pair's score when its probability can reach `atLeast`, else null: the same score as
   * `score`, but the comparisons are tested the cheapest first, and the pair is given up as soon
   * as the weight so far and the most the untested comparisons can add fall short. For callers
   * that want nothing of a pair below a threshold (the register scanned against itself, where
   * almost every pair of a block is two people and the name comparison costs the most). From
   * `prior`: the settings' own by default, since two register entries are not a sector record
   * whose age says how likely its person is registered (prior_by_age).
   */
  scoreReaching(record: MatchRecord, citizen: MatchRecord, atLeast: number, prior = this.priorWeight): PairScore | null {
    // Short in weight first (one logarithm a pair), then in probability: near 1, weights some way
    // apart round to one probability, and a pair is given up only if its score could not reach it.
    const short = log2Odds(atLeast) - CEILING_SLACK;
    const levels: number[] = new Array<number>(this.tests.length);
    let ceiling = prior + this.ceilingWeight;
    for (const i of this.cheapestFirst) {
      const index = firstHolding(this.tests[i]!, record, citizen);
      levels[i] = index;
      ceiling += this.weightAt(i, index, citizen) - this.maxWeights[i]!;
      if (ceiling < short && probabilityOf(ceiling + CEILING_SLACK) < atLeast) return null;
    }
    return this.weigh(citizen, levels, prior);
  }

  /** The weight comparison i adds at level `index` for this citizen, as `weigh` counts it. */
  private weightAt(i: number, index: number, citizen: MatchRecord): number {
    const own = this.levelWeights[i]![index];
    if (own === null || own === undefined) return 0;
    const level = this.settings.comparisons[i]!.levels[index]!;
    return weightWithU(own, level, this.uOf(level, citizen));
  }

  /** The level's u for this citizen: the frequency of the citizen's value on a term-frequency level (never under tf_minimum_u), else the level's own. */
  private uOf(level: LevelSettings, citizen: MatchRecord): number {
    const value = level.tf_feature ? citizen.features[level.tf_feature] : null;
    if (!level.tf_feature || value === null) return level.u!;
    return Math.max(this.settings.tf_minimum_u, this.frequencies.frequency(level.tf_feature, value));
  }

  /** The level each comparison reaches for the pair: the costly part of scoring (string distances, address words). */
  levels(record: MatchRecord, citizen: MatchRecord): number[] {
    const levels: number[] = [];
    for (const tests of this.tests) levels.push(firstHolding(tests, record, citizen));
    return levels;
  }

  /** The levels with the `silenced` comparisons at their null level (those without one keep theirs). */
  silence(levels: readonly number[], silenced: ReadonlySet<string>): readonly number[] {
    if (silenced.size === 0) return levels;
    return this.settings.comparisons.map((comparison, i) => {
      const nullIndex = silenced.has(comparison.name) ? comparison.levels.findIndex((level) => level.is_null) : -1;
      return nullIndex >= 0 ? nullIndex : levels[i]!;
    });
  }

  /**
   * The pair's weight from the levels it reached, as `weigh` gives it, without the comparisons
   * that explain it: a record is weighed against dozens of candidates and most are only counted
   * in its posterior.
   */
  weightOf(citizen: MatchRecord, levels: readonly number[], prior = this.priorWeight): number {
    let weight = prior;
    for (let i = 0; i < this.levelWeights.length; i += 1) weight += this.weightAt(i, levels[i]!, citizen);
    return weight;
  }

  /** The pair's weight from the levels it reached, with these settings' m, u and term frequencies, from the record's prior (`priorOf`). */
  weigh(citizen: MatchRecord, levels: readonly number[], prior = this.priorWeight): PairScore {
    const comparisons = this.settings.comparisons.map((comparison, i): ScoredComparison => {
      const index = levels[i]!;
      const level = comparison.levels[index]!;
      const isElse = index === comparison.levels.length - 1;
      const ownWeight = this.levelWeights[i]![index] ?? null;
      if (ownWeight === null || level.m === undefined || level.u === undefined) {
        return {
          comparison: comparison.name,
          level: level.label,
          levelIndex: index,
          isNull: true,
          isElse,
          isWeak: false,
          m: null,
          u: null,
          weight: 0,
          sentence: level.sentence,
        };
      }
      const u = this.uOf(level, citizen);
      const levelWeight = weightWithU(ownWeight, level, u);
      return {
        comparison: comparison.name,
        level: level.label,
        levelIndex: index,
        isNull: false,
        isElse,
        isWeak: level.weak,
        m: level.m,
        u,
        weight: levelWeight,
        sentence: level.sentence,
      };
    });
    weakenWhenElse(this.settings, comparisons);
    const weight = this.weightOf(citizen, levels, prior);
    return { citizenId: citizen.id, prior, weight, probability: probabilityOf(weight), comparisons };
  }

  /** Whether the comparison of this name stands at its agreement level (its first level that is not null) among a pair's levels. */
  private agreesAt(levels: readonly number[], comparison: string): boolean {
    return levels[this.comparisonAt.get(comparison)!] === this.agreementLevel.get(comparison);
  }

  /** Whether the comparison of this name stands at its else level (its last) among a pair's levels. */
  private disagreesAt(levels: readonly number[], comparison: string): boolean {
    const at = this.comparisonAt.get(comparison)!;
    return levels[at] === this.settings.comparisons[at]!.levels.length - 1;
  }

  /** The candidate holds the record's ID (the contradiction guard's identifier at its agreement level), from the pair's levels. */
  holdsRecordIdAt(levels: readonly number[]): boolean {
    const guard = this.settings.contradiction_guard;
    return guard !== undefined && this.agreesAt(levels, guard.identifier);
  }

  /** The ID agrees but every named comparison disagrees outright, from the pair's levels. */
  contradictedAt(levels: readonly number[]): boolean {
    const guard = this.settings.contradiction_guard;
    return guard !== undefined && this.holdsRecordIdAt(levels) && guard.contradicting.every((name) => this.disagreesAt(levels, name));
  }

  /** The ID agrees but every named comparison disagrees outright: a typo that landed on someone else. */
  contradicted(score: PairScore): boolean {
    return this.contradictedAt(levelsOfScore(score));
  }

  /**
   * The record's ID is this candidate's, its name disagrees outright, and the candidate is a
   * relative the settings' guardian_id describes (another generation of the record's family, a
   * mother of another family name, or a sister born in another year): a parent's ID on a child's
   * record, not the record's person.
   * From the pair's levels.
   */
  guardianAt(record: MatchRecord, citizen: MatchRecord, levels: readonly number[]): boolean {
    const rule = this.settings.guardian_id;
    if (!rule || !this.guardianTest) return false;
    if (!this.agreesAt(levels, rule.identifier)) return false;
    return rule.disagreeing.every((name) => this.disagreesAt(levels, name)) && this.guardianTest(record, citizen);
  }

  /** guardianAt, from the pair's score. */
  guardian(record: MatchRecord, citizen: MatchRecord, score: PairScore): boolean {
    return this.guardianAt(record, citizen, levelsOfScore(score));
  }

  /**
   * The groups of comparisons that forbid this link: a group is satisfied when one of its
   * comparisons agrees (a level that is neither null, nor else, nor weak), or when none of them
   * can say (all null). A group whose comparisons only disagree is evidence against a link that no
   * total weight may overrule.
   */
  disagreements(score: PairScore): string[][] {
    const byName = new Map(score.comparisons.map((c) => [c.comparison, c]));
    return this.settings.link_requires_agreement.filter((group) => {
      const members = group.map((name) => byName.get(name));
      const agrees = members.some((c) => c && !c.isNull && !c.isElse && !c.isWeak);
      const silent = members.every((c) => !c || c.isNull);
      return !agrees && !silent;
    });
  }

  explain(score: PairScore | null, runnerUp: PairScore | null, summary: string): LinkExplanation {
    const comparisons: ComparisonExplanation[] = (score?.comparisons ?? []).map((c) => ({
      comparison: c.comparison,
      level: c.level,
      m: c.m,
      u: c.u,
      weight: c.weight,
      sentence: c.sentence,
    }));
    return {
      prior: score?.prior ?? this.priorWeight,
      comparisons,
      total: score?.weight ?? this.priorWeight,
      runner_up_score: runnerUp?.probability ?? null,
      summary,
    };
  }
}
