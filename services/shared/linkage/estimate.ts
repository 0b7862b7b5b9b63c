import { SeededRandom } from '../random.js';
import { compact, type RegisterInMemory } from './batch-linkage.js';
import type { CompactRegister } from './compact-register.js';
import { InMemoryCandidateSource } from './in-memory-candidates.js';
import type { Feature, MatchRecord } from './match-record.js';
import { RecordSample } from './record-sample.js';
import { DEFAULT_MAX_BLOCK, type BlockingRule, type LinkageSettings } from './settings.js';
import { fit, pairLevels, randomPairLevels, train, type Fit, type PairLevels, type TrainingReport } from './training.js';

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

/** m, u and the prior for these settings, estimated from a register and records without labels. */
export function estimateParameters(
  settings: LinkageSettings,
  register: RegisterInMemory,
  records: readonly MatchRecord[],
  options: EstimateOptions = {},
): { settings: LinkageSettings; report: TrainingReport; spread: EstimateSpread } {
  const seed = options.seed ?? 1;
  const limit = options.sample ?? ESTIMATION_SAMPLE;
  const sampled = records.length > limit ? sampleOf(records, limit, seed) : records;
  const columns = compact(register);
  options.source?.requireBuiltOver(columns, settings.blocking_rules);
  const data = {
    records: sampled,
    registerSize: columns.size,
    asOf: options.asOf ?? null,
    random: randomPairLevels(settings, sampled, columns, RANDOM_PAIRS, new SeededRandom(seed)),
    blocked: pairLevels(settings, blockedPairs(options.source ?? new InMemoryCandidateSource(settings.blocking_rules, columns), columns, sampled)),
    sessions: settings.training_sessions.map((session) => ({
      pairs: blockedPairLevels(settings, [sessionRule(settings, session.block_on)], columns, sampled),
      skip: session.skip,
    })),
  };
  const inFile = options.recordsInFile ?? records.length;
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

/** Level vectors of every (record, candidate) pair the rules produce. */
function blockedPairLevels(settings: LinkageSettings, rules: readonly BlockingRule[], register: CompactRegister, records: readonly MatchRecord[]): PairLevels {
  return pairLevels(settings, blockedPairs(new InMemoryCandidateSource(rules, register), register, records));
}

/** Every (record, candidate) pair a source finds, with the record's position. */
function* blockedPairs(
  source: InMemoryCandidateSource,
  register: CompactRegister,
  records: readonly MatchRecord[],
): Generator<[number, MatchRecord, MatchRecord]> {
  for (let index = 0; index < records.length; index += 1) {
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
