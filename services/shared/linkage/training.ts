import type { SeededRandom } from '../random.js';
import type { Feature, MatchRecord } from './match-record.js';
import { levelIndex } from './scoring.js';
import type { LinkageSettings } from './settings.js';

export interface TrainingReport {
  random_pairs: number;
  blocked_pairs: number;
  records: number;
  register: number;
  em_iterations: number;
  em_converged: boolean;
  blocked_match_share: number;
  trained_at: string;
}

type LevelVector = Int16Array;

export function levelVector(settings: LinkageSettings, a: MatchRecord, b: MatchRecord): LevelVector {
  return Int16Array.from(settings.comparisons.map((comparison) => levelIndex(comparison, a, b)));
}

/** P(match | levels) for one pair under the current m, u and share of matches; null levels say nothing. */
function matchProbability(settings: LinkageSettings, vector: LevelVector, m: number[][], u: number[][], share: number): number {
  let matchOdds = share;
  let otherOdds = 1 - share;
  vector.forEach((level, c) => {
    if (settings.comparisons[c]!.levels[level]!.is_null) return;
    matchOdds *= m[c]![level]!;
    otherOdds *= u[c]![level]!;
  });
  return matchOdds / (matchOdds + otherOdds);
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

/** u: how often each level occurs between a record and a random register citizen (almost never the same person). */
export function estimateU(
  settings: LinkageSettings,
  records: readonly MatchRecord[],
  register: readonly MatchRecord[],
  pairs: number,
  random: SeededRandom,
): number[][] {
  const counts = settings.comparisons.map((c) => c.levels.map(() => 0));
  for (let i = 0; i < pairs; i += 1) {
    const vector = levelVector(settings, random.pick(records), random.pick(register));
    vector.forEach((level, c) => {
      counts[c]![level]! += 1;
    });
  }
  return shares(counts, settings);
}

/**
 * m and the share of matches among blocked pairs by expectation–maximisation, u held fixed
 * (as Splink does): each pair's match probability from the current m, then m from those
 * probabilities, until m stops moving.
 */
export function estimateM(
  settings: LinkageSettings,
  vectors: readonly LevelVector[],
  u: number[][],
  maxIterations = 50,
): { m: number[][]; matchShare: number; iterations: number; converged: boolean } {
  const levels = settings.comparisons.map((c) => c.levels);
  let m = levels.map((comparisonLevels) => comparisonLevels.map((level) => (level.is_null ? Number.NaN : (level.m ?? 0.5))));
  let matchShare = 0.5;
  for (let iteration = 1; iteration <= maxIterations; iteration += 1) {
    const counts = levels.map((comparisonLevels) => comparisonLevels.map(() => 0));
    let total = 0;
    for (const vector of vectors) {
      const p = matchProbability(settings, vector, m, u, matchShare);
      total += p;
      vector.forEach((level, c) => {
        counts[c]![level]! += p;
      });
    }
    const next = shares(counts, settings);
    const change = Math.max(...next.flatMap((row, c) => row.map((value, l) => (Number.isNaN(value) ? 0 : Math.abs(value - m[c]![l]!)))));
    m = next;
    matchShare = total / Math.max(1, vectors.length);
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
 * Splink's way round EM's weakness: in each session the pairs share some features, so EM's
 * "match" class cannot latch onto agreement on those; their comparisons' m are taken from the
 * other sessions. u comes from random pairs; the prior from EM (λ only) over all blocked pairs.
 */
export function train(
  settings: LinkageSettings,
  records: readonly MatchRecord[],
  register: readonly MatchRecord[],
  blockedPairs: readonly [MatchRecord, MatchRecord][],
  sessions: readonly { pairs: readonly [MatchRecord, MatchRecord][]; skip: readonly string[] }[],
  random: SeededRandom,
  randomPairs = 300_000,
): { settings: LinkageSettings; report: TrainingReport } {
  const u = estimateU(settings, records, register, randomPairs, random);
  const names = settings.comparisons.map((c) => c.name);
  const sums = settings.comparisons.map((c) => c.levels.map(() => 0));
  const sessionsUsed = settings.comparisons.map(() => 0);
  let iterations = 0;
  let converged = true;
  for (const session of sessions) {
    const vectors = session.pairs.map(([a, b]) => levelVector(settings, a, b));
    if (vectors.length === 0) continue;
    const result = estimateM(settings, vectors, u);
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
  const vectors = blockedPairs.map(([a, b]) => levelVector(settings, a, b));
  const matchShare = estimateMatchShare(settings, vectors, m, u);
  const matches = expectedMatchedRecords(settings, blockedPairs, vectors, m, u, matchShare);
  const inRegister = Math.min(0.99, Math.max(1e-6, matches / Math.max(1, records.length)));
  const report: TrainingReport = {
    random_pairs: randomPairs,
    blocked_pairs: blockedPairs.length,
    records: records.length,
    register: register.length,
    em_iterations: iterations,
    em_converged: converged,
    blocked_match_share: Number(matchShare.toPrecision(4)),
    trained_at: new Date().toISOString().slice(0, 10),
  };
  // Four significant digits of the value, or of its distance from 1 when that is smaller, so a u of 0.99999 does not round to 1.
  const round = (value: number) => (value > 0.5 ? 1 - Number((1 - value).toPrecision(4)) : Number(value.toPrecision(4)));
  return {
    report,
    settings: {
      ...settings,
      probability_record_in_register: round(inRegister),
      comparisons: settings.comparisons.map((comparison, c) => ({
        ...comparison,
        levels: comparison.levels.map((level, l) => (level.is_null ? level : { ...level, m: round(m[c]![l]!), u: round(u[c]![l]!) })),
      })),
      training: { ...report },
    },
  };
}

/**
 * Expected number of records that are in the register: per record, the summed match
 * probability of its blocked pairs, at most 1, since a record is one person. Without the cap,
 * namesakes that agree on name and year would be counted as extra matches and inflate the prior.
 */
function expectedMatchedRecords(
  settings: LinkageSettings,
  pairs: readonly [MatchRecord, MatchRecord][],
  vectors: readonly LevelVector[],
  m: number[][],
  u: number[][],
  share: number,
): number {
  const perRecord = new Map<string, number>();
  vectors.forEach((vector, i) => {
    const id = pairs[i]![0].id;
    perRecord.set(id, (perRecord.get(id) ?? 0) + matchProbability(settings, vector, m, u, share));
  });
  let total = 0;
  for (const sum of perRecord.values()) total += Math.min(1, sum);
  return total;
}

/** EM for the share of matches alone, m and u held fixed. */
function estimateMatchShare(settings: LinkageSettings, vectors: readonly LevelVector[], m: number[][], u: number[][]): number {
  let share = 0.5;
  for (let iteration = 0; iteration < 100; iteration += 1) {
    let total = 0;
    for (const vector of vectors) {
      total += matchProbability(settings, vector, m, u, share);
    }
    const next = total / Math.max(1, vectors.length);
    if (Math.abs(next - share) < 1e-7) return next;
    share = next;
  }
  return share;
}
