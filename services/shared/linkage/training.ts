import type { SeededRandom } from '../random.js';
import type { CompactRegister } from './compact-register.js';
import type { Feature, MatchRecord } from './match-record.js';
import { ageBandOf, dayNumber } from './age-prior.js';
import { levelIndex, levelOfComparison, pairPrior } from './scoring.js';
import type { LinkageSettings } from './settings.js';

export interface TrainingReport {
  random_pairs: number;
  blocked_pairs: number;
  records: number;
  register: number;
  /** Records in the file when training used a sample of them. */
  records_in_file?: number;
  /** EM's iterations over the training sessions (m). */
  em_iterations: number;
  /** Whether every EM of the fit reached its fixed point: each session's m and the share of records in the register (global and per age band). */
  em_converged: boolean;
  blocked_match_share: number;
  trained_at: string;
}

type LevelVector = Int16Array;

export function levelVector(settings: LinkageSettings, a: MatchRecord, b: MatchRecord): LevelVector {
  return Int16Array.from(settings.comparisons.map((comparison) => levelIndex(comparison, a, b)));
}

/** P(levels | same person) / P(levels | two people) for one pair under the current m and u; null levels say nothing. */
function likelihoodRatio(settings: LinkageSettings, vector: LevelVector, m: number[][], u: number[][]): number {
  let ratio = 1;
  vector.forEach((level, c) => {
    if (!settings.comparisons[c]!.levels[level]!.is_null) ratio *= m[c]![level]! / u[c]![level]!;
  });
  return ratio;
}

/** P(match | levels) for one pair under the current m, u and share of matches. */
function matchProbability(settings: LinkageSettings, vector: LevelVector, m: number[][], u: number[][], share: number): number {
  const weighed = share * likelihoodRatio(settings, vector, m, u);
  return weighed / (weighed + 1 - share);
}

/** Level shares with add-one smoothing, so no level is ever impossible; NaN for null levels. */
export function shares(counts: number[][], settings: LinkageSettings): number[][] {
  return counts.map((levelCounts, c) => {
    const levels = settings.comparisons[c]!.levels;
    const real = levelCounts.filter((_, l) => !levels[l]!.is_null);
    const total = real.reduce((sum, n) => sum + n, 0) + real.length;
    return levelCounts.map((n, l) => (levels[l]!.is_null ? Number.NaN : (n + 1) / total));
  });
}

/**
 * The level vectors of many pairs in one typed array (pair p's level of comparison c at
 * p × comparisons + c), with the index of each pair's record: training computes them once and
 * fits on all of them or on a part, without an array per pair.
 */
export interface PairLevels {
  levels: Int16Array;
  recordOf: Int32Array;
  count: number;
}

export function pairLevels(settings: LinkageSettings, pairs: Iterable<readonly [number, MatchRecord, MatchRecord]>): PairLevels {
  const comparisons = settings.comparisons;
  const levelOf = levelOfComparison(settings);
  let levels = new Int16Array(1024 * comparisons.length);
  let recordOf = new Int32Array(1024);
  let count = 0;
  for (const [record, a, b] of pairs) {
    if (count === recordOf.length) {
      const moreLevels = new Int16Array(levels.length * 2);
      moreLevels.set(levels);
      levels = moreLevels;
      const moreRecords = new Int32Array(recordOf.length * 2);
      moreRecords.set(recordOf);
      recordOf = moreRecords;
    }
    for (let c = 0; c < comparisons.length; c += 1) levels[count * comparisons.length + c] = levelOf(c, a, b);
    recordOf[count] = record;
    count += 1;
  }
  return { levels, recordOf, count };
}

/**
 * The distinct level vectors among pairs, with how many pairs have each: a few thousand at most
 * where there are millions of pairs, so each EM iteration costs next to nothing (Splink
 * aggregates its comparison vectors the same way). `patternOf` gives each pair's vector.
 */
interface Patterns {
  vectors: LevelVector[];
  counts: number[];
  patternOf: Int32Array;
  pairs: number;
}

function patternsOf(settings: LinkageSettings, data: PairLevels, includes: (pair: number) => boolean): Patterns {
  const comparisons = settings.comparisons.length;
  const radices = settings.comparisons.map((c) => c.levels.length);
  if (radices.reduce((product, n) => product * n, 1) > Number.MAX_SAFE_INTEGER) throw new Error('too many comparison levels to number their combinations');
  const byCode = new Map<number, number>();
  const vectors: LevelVector[] = [];
  const counts: number[] = [];
  const patternOf = new Int32Array(data.count).fill(-1);
  let pairs = 0;
  for (let pair = 0; pair < data.count; pair += 1) {
    if (!includes(pair)) continue;
    let code = 0;
    for (let c = comparisons - 1; c >= 0; c -= 1) code = code * radices[c]! + data.levels[pair * comparisons + c]!;
    let pattern = byCode.get(code);
    if (pattern === undefined) {
      pattern = vectors.length;
      byCode.set(code, pattern);
      vectors.push(data.levels.slice(pair * comparisons, (pair + 1) * comparisons));
      counts.push(0);
    }
    counts[pattern]! += 1;
    patternOf[pair] = pattern;
    pairs += 1;
  }
  return { vectors, counts, patternOf, pairs };
}

/** Each comparison's level counts over the pairs `includes` takes. */
function levelCounts(settings: LinkageSettings, data: PairLevels, includes: (pair: number) => boolean): number[][] {
  const comparisons = settings.comparisons.length;
  const counts = settings.comparisons.map((c) => c.levels.map(() => 0));
  for (let pair = 0; pair < data.count; pair += 1) {
    if (!includes(pair)) continue;
    for (let c = 0; c < comparisons; c += 1) counts[c]![data.levels[pair * comparisons + c]!]! += 1;
  }
  return counts;
}

/**
 * `pairs` random draws of a (record, register citizen) pair, as two numbers each: the record's
 * index, then the citizen's. Almost never the same person, so their levels estimate u.
 */
export function randomDraws(records: number, registerSize: number, pairs: number, random: SeededRandom): Int32Array {
  if (records === 0 || registerSize === 0) throw new Error('pick from an empty list');
  const draws = new Int32Array(pairs * 2);
  for (let i = 0; i < pairs; i += 1) {
    draws[i * 2] = Math.floor(random.next() * records);
    draws[i * 2 + 1] = Math.floor(random.next() * registerSize);
  }
  return draws;
}

/** The level vectors of draws `from` to `to` (randomDraws), each pair numbered by its draw. */
export function drawnPairLevels(
  settings: LinkageSettings,
  records: readonly MatchRecord[],
  register: CompactRegister,
  draws: Int32Array,
  [from, to]: readonly [number, number],
): PairLevels {
  function* drawn(): Generator<[number, MatchRecord, MatchRecord]> {
    for (let i = from; i < to; i += 1) yield [i, records[draws[i * 2]!]!, register.get(draws[i * 2 + 1]!)];
  }
  return pairLevels(settings, drawn());
}

/** Pairs' level vectors worked out in parts, one after the other, as one. */
export function joinPairLevels(settings: LinkageSettings, parts: readonly PairLevels[]): PairLevels {
  const width = settings.comparisons.length;
  const count = parts.reduce((sum, part) => sum + part.count, 0);
  const levels = new Int16Array(Math.max(1, count) * width);
  const recordOf = new Int32Array(Math.max(1, count));
  let at = 0;
  for (const part of parts) {
    levels.set(part.levels.subarray(0, part.count * width), at * width);
    recordOf.set(part.recordOf.subarray(0, part.count), at);
    at += part.count;
  }
  return { levels, recordOf, count };
}

/**
 * m and the share of matches among blocked pairs by expectation–maximisation, u held fixed
 * (as Splink does): each pair's match probability from the current m, then m from those
 * probabilities, until m stops moving.
 */
function estimateM(
  settings: LinkageSettings,
  patterns: Patterns,
  u: number[][],
  maxIterations = 50,
): { m: number[][]; matchShare: number; iterations: number; converged: boolean } {
  const levels = settings.comparisons.map((c) => c.levels);
  let m = levels.map((comparisonLevels) => comparisonLevels.map((level) => (level.is_null ? Number.NaN : (level.m ?? 0.5))));
  let matchShare = 0.5;
  for (let iteration = 1; iteration <= maxIterations; iteration += 1) {
    const counts = levels.map((comparisonLevels) => comparisonLevels.map(() => 0));
    let total = 0;
    patterns.vectors.forEach((vector, pattern) => {
      const p = patterns.counts[pattern]! * matchProbability(settings, vector, m, u, matchShare);
      total += p;
      vector.forEach((level, c) => {
        counts[c]![level]! += p;
      });
    });
    const next = shares(counts, settings);
    const change = Math.max(...next.flatMap((row, c) => row.map((value, l) => (Number.isNaN(value) ? 0 : Math.abs(value - m[c]![l]!)))));
    m = next;
    matchShare = total / Math.max(1, patterns.pairs);
    if (change < 1e-5) return { m, matchShare, iterations: iteration, converged: true };
  }
  return { m, matchShare, iterations: maxIterations, converged: false };
}

/** A training session: EM over the pairs that share the `block_on` features; it estimates m only for the other comparisons. */
export interface TrainingSession {
  block_on: Feature[];
  skip: string[];
}

/**
 * Records' worth of the global prior added to an age band's own (a pseudo-count): a band with
 * few records in the sample stays near the global prior instead of taking its noise. Kept small,
 * since a band is declared because its share differs: 50 pulled the infants of the 1 M national set
 * (1,093 in the sample, 0.116 registered) from the 0.119 their EM gives to 0.154.
 */
const BAND_SHRINKAGE = 10;

/**
 * What training works on, computed once: the records (all, or a sample of them), the level
 * vectors of their blocked pairs and of each session's pairs, and of the random pairs for u.
 */
export interface TrainingData {
  records: readonly MatchRecord[];
  registerSize: number;
  /** The day the settings' prior_by_age bands count ages to (age-prior.ts); without it each band takes the global prior. */
  asOf?: string | null;
  blocked: PairLevels;
  sessions: readonly { pairs: PairLevels; skip: readonly string[] }[];
  random: PairLevels;
}

/** What one fit gives: m and u per comparison and level, the prior, and how EM went. */
export interface Fit {
  m: number[][];
  u: number[][];
  inRegister: number;
  /** Per prior_by_age band, the share of its records in the register. */
  inRegisterByAge: number[];
  matchShare: number;
  iterations: number;
  converged: boolean;
}

/**
 * Splink's way round EM's weakness: in each session the pairs share some features, so EM's
 * "match" class cannot latch onto agreement on those; their comparisons' m are taken from the
 * other sessions. u comes from random pairs; the prior from EM at the register's size (shareInRegister).
 * `part` fits on the records it takes (by index) and the random pairs it takes.
 */
export function fit(
  settings: LinkageSettings,
  data: TrainingData,
  part: { record: (index: number) => boolean; randomPair: (index: number) => boolean } = { record: () => true, randomPair: () => true },
): Fit {
  const u = shares(levelCounts(settings, data.random, part.randomPair), settings);
  const names = settings.comparisons.map((c) => c.name);
  const sums = settings.comparisons.map((c) => c.levels.map(() => 0));
  const sessionsUsed = settings.comparisons.map(() => 0);
  let iterations = 0;
  let converged = true;
  for (const session of data.sessions) {
    const patterns = patternsOf(settings, session.pairs, (pair) => part.record(session.pairs.recordOf[pair]!));
    if (patterns.pairs === 0) continue;
    const result = estimateM(settings, patterns, u);
    iterations += result.iterations;
    converged &&= result.converged;
    names.forEach((name, c) => {
      if (session.skip.includes(name)) return;
      sessionsUsed[c]! += 1;
      result.m[c]!.forEach((value, l) => {
        sums[c]![l]! += value;
      });
    });
  }
  const m = sums.map((row, c) => row.map((total, l) => (sessionsUsed[c] ? total / sessionsUsed[c]! : (settings.comparisons[c]!.levels[l]!.m ?? Number.NaN))));
  const blocked = patternsOf(settings, data.blocked, (pair) => part.record(data.blocked.recordOf[pair]!));
  const matchShare = estimateMatchShare(settings, blocked, m, u);
  const taken = data.records.flatMap((_, index) => (part.record(index) ? [index] : []));
  const prior = priors(settings, data, taken, likelihoodSums(settings, data, blocked, m, u));
  return { m, u, inRegister: prior.inRegister, inRegisterByAge: prior.inRegisterByAge, matchShare, iterations, converged: converged && prior.converged };
}

/** The settings with a fit's m, u and prior, and the report of how they were estimated. */
export function train(
  settings: LinkageSettings,
  data: TrainingData,
  extra: Record<string, number> = {},
): { settings: LinkageSettings; report: TrainingReport; fit: Fit } {
  const result = fit(settings, data);
  const { m, u, inRegister, inRegisterByAge, matchShare } = result;
  const report: TrainingReport = {
    random_pairs: data.random.count,
    blocked_pairs: data.blocked.count,
    records: data.records.length,
    register: data.registerSize,
    ...extra,
    em_iterations: result.iterations,
    em_converged: result.converged,
    blocked_match_share: Number(matchShare.toPrecision(4)),
    trained_at: new Date().toISOString().slice(0, 10),
  };
  return {
    report,
    fit: result,
    settings: {
      ...settings,
      probability_record_in_register: round(inRegister),
      prior_by_age: settings.prior_by_age.map((band, b) => ({ ...band, probability_record_in_register: round(inRegisterByAge[b]!) })),
      comparisons: settings.comparisons.map((comparison, c) => ({
        ...comparison,
        levels: comparison.levels.map((level, l) => (level.is_null ? level : { ...level, m: round(m[c]![l]!), u: round(u[c]![l]!) })),
      })),
      training: { ...report },
    },
  };
}

/** Four significant digits of the value, or of its distance from 1 when that is smaller, so a u of 0.99999 does not round to 1. */
function round(value: number): number {
  return value > 0.5 ? 1 - Number((1 - value).toPrecision(4)) : Number(value.toPrecision(4));
}

/**
 * The share of records in the register for the records in no prior_by_age band (the only ones
 * the Scorer gives the settings' own prior), and each band's over its own records, shrunk
 * towards the former by BAND_SHRINKAGE records' worth (scaled by the part of the records fitted,
 * so that each half of a sample is shrunk as the whole is). Counting a band's records in the
 * global share pulled it down where the band is rarely registered: 0.684 for hard seed 13,
 * whose records in no band are 0.814 registered.
 */
function priors(
  settings: LinkageSettings,
  data: TrainingData,
  taken: readonly number[],
  likelihoods: Float64Array,
): { inRegister: number; inRegisterByAge: number[]; converged: boolean } {
  const asOfDay = data.asOf ? dayNumber(data.asOf) : null;
  const bands = taken.map((index) => ageBandOf(settings.prior_by_age, data.records[index]!, asOfDay));
  const sumsOf = (band: number) => taken.filter((_, i) => bands[i] === band).map((index) => likelihoods[index]!);
  const global = shareInRegister(sumsOf(-1), data.registerSize);
  const inRegister = boundedShare(global.share);
  const shrinkage = { share: inRegister, records: (BAND_SHRINKAGE * taken.length) / Math.max(1, data.records.length) };
  const byAge = settings.prior_by_age.map((_, band) => shareInRegister(sumsOf(band), data.registerSize, shrinkage));
  return {
    inRegister,
    inRegisterByAge: byAge.map((fitted) => boundedShare(fitted.share)),
    converged: global.converged && byAge.every((fitted) => fitted.converged),
  };
}

/** A share of records in the register as the settings may hold it: never 0, nor above 0.99. */
function boundedShare(share: number): number {
  return Math.min(0.99, Math.max(1e-6, share));
}

/**
 * Per record (by its index), the sum over its blocked pairs of the likelihood ratio P(levels |
 * same person) / P(levels | two people): what the linker weighs each candidate by before the
 * prior. 0 for a record without a blocked pair, or outside the part fitted.
 */
function likelihoodSums(settings: LinkageSettings, data: TrainingData, blocked: Patterns, m: number[][], u: number[][]): Float64Array {
  const ratios = blocked.vectors.map((vector) => likelihoodRatio(settings, vector, m, u));
  const sums = new Float64Array(data.records.length);
  for (let pair = 0; pair < data.blocked.count; pair += 1) {
    const pattern = blocked.patternOf[pair]!;
    if (pattern >= 0) sums[data.blocked.recordOf[pair]!]! += ratios[pattern]!;
  }
  return sums;
}

/** The iterations shareInRegister's EM is given: where the likelihood is flat near a share of 1 it creeps, and is reported as not converged. */
const SHARE_EM_ITERATIONS = 200;

/**
 * The share of records whose person is in the register, by EM for a mixture in which a record is
 * of each of the register's citizens with probability share / register size, or of no one in it
 * with probability 1 - share (a record is at most one person). A record's posterior of being in
 * the register is q·S / (q·S + 1 - share), S its likelihood sum and q the per-citizen prior, and
 * the share is the mean posterior; the log-likelihood is concave in the share, so the fixed point
 * is unique. Weighing every blocked pair at the blocked pairs' own share of matches instead (as
 * before: 0.56 to 0.83 on the synthetic sets) took weak partial agreements and namesakes for
 * matches whatever the register's size: the 10 M national set, 0.900 registered, came out at 0.985.
 * Records with no blocked pair (sum 0) add nothing: a person blocking cannot reach is not counted
 * in. `shrinkage` adds that many records' worth of another share (an age band's pseudo-count).
 * The Scorer weighs "no one in the register" at odds 1 where this model has 1 - share: see the
 * BENCHMARKS section on this estimate for what that does to its scores. `converged` is false when
 * SHARE_EM_ITERATIONS passed before the fixed point was reached.
 */
export function shareInRegister(
  sums: readonly number[],
  registerSize: number,
  shrinkage: { share: number; records: number } = { share: 0, records: 0 },
): { share: number; converged: boolean } {
  if (sums.length + shrinkage.records === 0) return { share: 0, converged: true };
  let share = 0.5;
  for (let iteration = 0; iteration < SHARE_EM_ITERATIONS; iteration += 1) {
    const perCitizen = pairPrior(share, registerSize);
    let total = shrinkage.share * shrinkage.records;
    for (const sum of sums) total += (perCitizen * sum) / (perCitizen * sum + 1 - share);
    const next = Math.min(0.999999, total / (sums.length + shrinkage.records));
    if (Math.abs(next - share) < 1e-7) return { share: next, converged: true };
    share = next;
  }
  return { share, converged: false };
}

/** EM for the share of matches alone, m and u held fixed. */
function estimateMatchShare(settings: LinkageSettings, patterns: Patterns, m: number[][], u: number[][]): number {
  let share = 0.5;
  for (let iteration = 0; iteration < 100; iteration += 1) {
    let total = 0;
    patterns.vectors.forEach((vector, pattern) => {
      total += patterns.counts[pattern]! * matchProbability(settings, vector, m, u, share);
    });
    const next = total / Math.max(1, patterns.pairs);
    if (Math.abs(next - share) < 1e-7) return next;
    share = next;
  }
  return share;
}
