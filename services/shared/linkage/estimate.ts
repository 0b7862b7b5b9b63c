import { SeededRandom } from '../random.js';
import { compact, type RegisterInMemory } from './batch-linkage.js';
import type { CompactRegister } from './compact-register.js';
import { InMemoryCandidateSource } from './in-memory-candidates.js';
import type { Feature, MatchRecord } from './match-record.js';
import { RecordSample } from './record-sample.js';
import { DEFAULT_MAX_BLOCK, type BlockingRule, type LinkageSettings } from './settings.js';
import { drawnPairLevels, fit, joinPairLevels, pairLevels, randomDraws, train, type Fit, type PairLevels, type TrainingReport } from './training.js';

/**
 * Records whose blocked pairs estimation looks at: beyond this many it takes a uniform sample
 * of records (with all of each one's pairs, since the prior counts a record once). Twenty
 * thousand records give about 400,000 blocked pairs, where the spread between two halves of the
 * sample is already far below the four digits the parameters are kept to.
 */
export const ESTIMATION_SAMPLE = 20_000;
const RANDOM_PAIRS = 300_000;

/** How far apart two halves of the sample put each estimate: the full sample's standard error is about half of it. */
export interface EstimateSpread {
  records: number;
  inRegister: { all: number; halves: [number, number] };
  /** The same per prior_by_age band, with the day ages were counted to. */
  ageBands: { name: string; all: number; halves: [number, number] }[];
  asOf: string | null;
  /** Per comparison, the largest difference between the halves over its levels: m, u and the level's weight in bits. */
  comparisons: { comparison: string; m: number; u: number; weightBits: number }[];
}

export interface EstimateOptions {
  seed?: number;
  /** At most this many records are used (a uniform sample). */
  sample?: number;
  /** How many records the file had, when `records` is already a sample of it. */
  recordsInFile?: number;
  /**
   * The register's index under the settings' blocking rules, when the caller has built it (link-csv
   * links with the same one): an index of ten million citizens takes seconds a rule to build.
   */
  source?: InMemoryCandidateSource;
  /** The day records' ages are counted to (age-prior.ts): each prior_by_age band is estimated from its records; without it, none is in a band. */
  asOf?: string | null;
}

/** What estimation gives: the settings with m, u and the prior estimated, how, and how far apart two halves of the sample put them. */
export interface Estimated {
  settings: LinkageSettings;
  report: TrainingReport;
  spread: EstimateSpread;
}

/**
 * A share of the level vectors estimation fits on, for one thread to work out: the random draws
 * `draws` (from, to), the blocked pairs of the records `records` (from, to), and the pairs of each
 * training session listed, for every record.
 */
export interface EstimationShare {
  draws: [number, number];
  records: [number, number];
  sessions: number[];
}

/** The level vectors of one share (EstimationShare). */
export interface EstimationPairs {
  random: PairLevels;
  blocked: PairLevels;
  sessions: { session: number; pairs: PairLevels }[];
}

/**
 * Works out the level vectors of these shares of the estimation's pairs, with the random pairs'
 * draws (randomDraws), one answer a share, in their order: here (estimationPairsOf), or on the
 * threads that hold the register, each a share (link-csv).
 */
export type WorkOutPairs = (draws: Int32Array, shares: readonly EstimationShare[]) => Promise<EstimationPairs[]>;

/** m, u and the prior for these settings, estimated from a register and records without labels. */
export function estimateParameters(
  settings: LinkageSettings,
  register: RegisterInMemory,
  records: readonly MatchRecord[],
  options: EstimateOptions = {},
): Estimated {
  const seed = options.seed ?? 1;
  const limit = options.sample ?? ESTIMATION_SAMPLE;
  const sampled = records.length > limit ? sampleOf(records, limit, seed) : records;
  const columns = compact(register);
  options.source?.requireBuiltOver(columns, settings.blocking_rules);
  const draws = randomDraws(sampled.length, columns.size, RANDOM_PAIRS, new SeededRandom(seed));
  const [whole] = estimationShares(settings, sampled.length, 1);
  const source = options.source ?? new InMemoryCandidateSource(settings.blocking_rules, columns);
  const pairs = estimationPairsOf(settings, columns, source, sampled, draws, whole!);
  return estimatedFrom(settings, sampled, columns.size, [pairs], { ...options, recordsInFile: options.recordsInFile ?? records.length });
}

/**
 * estimateParameters for records already sampled (at most ESTIMATION_SAMPLE), their pairs worked
 * out `ways` ways by `workOut` (on threads holding the register): the same estimate, the pairs
 * being the same and joined in order.
 */
export async function estimateParametersOn(
  settings: LinkageSettings,
  registerSize: number,
  sampled: readonly MatchRecord[],
  workOut: WorkOutPairs,
  ways: number,
  options: Omit<EstimateOptions, 'source' | 'sample'> = {},
): Promise<Estimated> {
  const draws = randomDraws(sampled.length, registerSize, RANDOM_PAIRS, new SeededRandom(options.seed ?? 1));
  const parts = await workOut(draws, estimationShares(settings, sampled.length, ways));
  return estimatedFrom(settings, sampled, registerSize, parts, options);
}

/** The estimation's pairs cut `ways` ways: the random draws and the records in even runs, the sessions dealt out in turn. */
export function estimationShares(settings: LinkageSettings, records: number, ways: number): EstimationShare[] {
  const cut = (total: number, way: number): [number, number] => [Math.floor((total * way) / ways), Math.floor((total * (way + 1)) / ways)];
  return Array.from({ length: ways }, (_, way) => ({
    draws: cut(RANDOM_PAIRS, way),
    records: cut(records, way),
    sessions: settings.training_sessions.map((_, session) => session).filter((session) => session % ways === way),
  }));
}

/** The level vectors of one share of the estimation's pairs; `source` is the register's index under the settings' blocking rules. */
export function estimationPairsOf(
  settings: LinkageSettings,
  register: CompactRegister,
  source: InMemoryCandidateSource,
  records: readonly MatchRecord[],
  draws: Int32Array,
  share: EstimationShare,
): EstimationPairs {
  return {
    random: drawnPairLevels(settings, records, register, draws, share.draws),
    blocked: pairLevels(settings, blockedPairs(source, register, records, share.records)),
    sessions: share.sessions.map((session) => {
      const rule = sessionRule(settings, settings.training_sessions[session]!.block_on);
      return { session, pairs: pairLevels(settings, blockedPairs(new InMemoryCandidateSource([rule], register), register, records, [0, records.length])) };
    }),
  };
}

/** Fits on the pairs of every share, joined in the shares' order, and reports the spread. */
function estimatedFrom(
  settings: LinkageSettings,
  sampled: readonly MatchRecord[],
  registerSize: number,
  parts: readonly EstimationPairs[],
  options: Pick<EstimateOptions, 'recordsInFile' | 'asOf'>,
): Estimated {
  const sessions = parts.flatMap((part) => part.sessions);
  const data = {
    records: sampled,
    registerSize,
    asOf: options.asOf ?? null,
    random: joinPairLevels(
      settings,
      parts.map((part) => part.random),
    ),
    blocked: joinPairLevels(
      settings,
      parts.map((part) => part.blocked),
    ),
    sessions: settings.training_sessions.map((session, s) => {
      const worked = sessions.find((part) => part.session === s);
      if (!worked) throw new Error(`training session ${s} was given to no share`);
      return { pairs: worked.pairs, skip: session.skip };
    }),
  };
  const inFile = options.recordsInFile ?? sampled.length;
  const trained = train(settings, data, inFile > sampled.length ? { records_in_file: inFile } : {});
  return { settings: trained.settings, report: trained.report, spread: spreadOf(settings, trained.fit, data) };
}

/**
 * The blocking rule of a training session: pairs sharing its features, bounded as the duplicate
 * scan bounds a rule without one, and for held IDs only when the settings' rule on the same
 * features is, so a placeholder's holders are not paired as if they shared an ID.
 */
export function sessionRule(settings: LinkageSettings, blockOn: readonly Feature[]): BlockingRule {
  const same = settings.blocking_rules.find((rule) => rule.equal.join() === blockOn.join());
  return { name: 'session', equal: [...blockOn], max_block_size: DEFAULT_MAX_BLOCK, ...(same?.held_ids_only === true ? { held_ids_only: true } : {}) };
}

/** The sample estimation takes of a stream of records (link-csv reads its records file twice: for this, then to link). */
export function estimationSample<T>(limit = ESTIMATION_SAMPLE, seed = 1): RecordSample<T> {
  return new RecordSample<T>(limit, seed + 1);
}

/** The same sample of records already in memory. */
function sampleOf<T>(records: readonly T[], limit: number, seed: number): T[] {
  const sample = estimationSample<T>(limit, seed);
  for (const record of records) sample.offer(record);
  return sample.items();
}

/** Every (record, candidate) pair a source finds for the records from..to, with the record's position. */
function* blockedPairs(
  source: InMemoryCandidateSource,
  register: CompactRegister,
  records: readonly MatchRecord[],
  [from, to]: readonly [number, number],
): Generator<[number, MatchRecord, MatchRecord]> {
  for (let index = from; index < to; index += 1) {
    const record = records[index]!;
    for (const citizen of source.candidateIndexes(record)) yield [index, record, register.get(citizen)];
  }
}

/** Fits on two halves of the sample (alternate records, first and second half of the random pairs) and compares them. */
function spreadOf(
  settings: LinkageSettings,
  all: Fit,
  data: { records: readonly MatchRecord[]; random: PairLevels } & Parameters<typeof fit>[1],
): EstimateSpread {
  const half = data.random.count / 2;
  const a = fit(settings, data, { record: (index) => index % 2 === 0, randomPair: (index) => index < half });
  const b = fit(settings, data, { record: (index) => index % 2 === 1, randomPair: (index) => index >= half });
  const largest = (values: number[]) => values.reduce((most, value) => (Number.isFinite(value) ? Math.max(most, value) : most), 0);
  return {
    records: data.records.length,
    inRegister: { all: all.inRegister, halves: [a.inRegister, b.inRegister] },
    ageBands: settings.prior_by_age.map((band, i) => ({
      name: band.name,
      all: all.inRegisterByAge[i]!,
      halves: [a.inRegisterByAge[i]!, b.inRegisterByAge[i]!],
    })),
    asOf: data.asOf ?? null,
    comparisons: settings.comparisons.map((comparison, c) => {
      const levels = comparison.levels.map((_, l) => l).filter((l) => !comparison.levels[l]!.is_null);
      return {
        comparison: comparison.name,
        m: largest(levels.map((l) => Math.abs(a.m[c]![l]! - b.m[c]![l]!))),
        u: largest(levels.map((l) => Math.abs(a.u[c]![l]! - b.u[c]![l]!))),
        weightBits: largest(levels.map((l) => Math.abs(Math.log2(a.m[c]![l]! / a.u[c]![l]!) - Math.log2(b.m[c]![l]! / b.u[c]![l]!)))),
      };
    }),
  };
}
