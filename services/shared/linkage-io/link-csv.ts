import { inMemoryLinkage } from '../linkage/batch-linkage.js';
import { CandidateTally, type CandidateCounts } from '../linkage/candidate-tally.js';
import type { CompactRegister } from '../linkage/compact-register.js';
import type { DecisionKind } from '../schemas/records.js';
import { RequestThread } from '../worker-threads.js';
import { estimateParameters, estimateParametersOn, estimationSample, type Estimated, type EstimateSpread } from '../linkage/estimate.js';
import { InMemoryCandidateSource } from '../linkage/in-memory-candidates.js';
import { MatchRecordReader, type MatchRecord } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import type { TrainingReport } from '../linkage/training.js';
import {
  DecisionsCsvWriter,
  nothingToEstimateFrom,
  readPopulationColumns,
  recordOfRow,
  streamRecordRowsCsv,
  streamRecordsCsv,
  UnreadableFields,
  unreadableRegister,
  type RecordRow,
} from './csv-io.js';
import type { NumberedAddresses } from './deferred-addresses.js';
import { linkOnThreads } from './link-on-threads.js';
import { countDecisions, LINK_CHUNK, noDecisions, type Held, type Linked, type PairsOn, type Prepared } from './linking-phase.js';

export interface LinkCsvOptions {
  population: string;
  records: string;
  out: string;
  settings: LinkageSettings;
  estimate: boolean;
  /** The day the records are as of: records' ages are counted to it (the settings' prior_by_age); none puts no record in an age band. */
  asOf?: string | null;
  /** Threads that link (worker threads over the register in shared memory); 1, the default, links on the calling thread. Above 1, the register's addresses are worked out on a thread of their own while it is read. */
  threads?: number;
  /** Told as each phase starts and, while linking, every PROGRESS_EVERY records (a run of millions takes minutes). */
  progress?: (progress: LinkCsvProgress) => void;
}

/** Where a run is: the phase, the citizens read and records linked so far, the seconds since the command started. */
export interface LinkCsvProgress {
  phase: 'read' | 'estimate' | 'link';
  citizens: number;
  records: number;
  seconds: number;
}

export interface LinkCsvReport {
  citizens: number;
  records: number;
  decisions: Record<DecisionKind, number>;
  /** Seconds: reading the register, estimating the parameters (with the pass over the records it samples), linking (reading the records and writing the decisions as it goes). */
  seconds: { read: number; estimate: number; link: number };
  /** Candidates the blocking rules gave each record while linking. */
  candidates: CandidateCounts;
  /** Lookups skipped because their key was generic (held by more citizens than the rule's max_block_size), per rule that skipped any. */
  genericLookups: Record<string, number>;
  /**
   * Records whose date of birth or sex is there but cannot be read: each is linked without that
   * field (as a sector record without it), counted by column, the first ones told by line.
   */
  unreadable: { records: number; byColumn: UnreadableFields['byColumn']; told: string[] };
  estimation: { report: TrainingReport; spread: EstimateSpread } | null;
}

const PROGRESS_EVERY = 100_000;

/** Links on the calling thread, a chunk at a time, after estimating here when asked to. */
async function linkHere({ take, estimate, asOf, out, records: file, linked, ...prepared }: Prepared): Promise<Linked> {
  const held = take();
  const { register, index } = held;
  const settings = estimate ? await estimate({ here: held }) : prepared.settings;
  const linkage = inMemoryLinkage(settings, register, index, asOf);
  const { engine } = linkage;
  const tally = new CandidateTally(linkage.source);
  const writer = new DecisionsCsvWriter(out);
  const decisions = noDecisions();
  const unreadable = new UnreadableFields();
  let records = 0;
  await writer.allOrNothing(async () => {
    let chunk: MatchRecord[] = [];
    const decideChunk = async () => {
      const decided = await engine.decideAll(chunk, tally);
      countDecisions(decisions, decided);
      records += chunk.length;
      chunk = [];
      linked(records);
      await writer.write(decided);
    };
    for await (const batch of streamRecordsCsv(file, unreadable)) {
      for (const { record } of batch) {
        chunk.push(record);
        if (chunk.length >= LINK_CHUNK) await decideChunk();
      }
    }
    if (chunk.length > 0) await decideChunk();
  });
  return { records, decisions, tally, unreadable };
}

/**
 * The register, its addresses worked out on a thread of their own when the run has threads to
 * spare: the other core is idle while this one reads, and addresses were most of the reading.
 */
async function readRegister(file: string, unreadable: UnreadableFields, onAThread: boolean): Promise<CompactRegister> {
  if (!onAThread) return readPopulationColumns(file, unreadable);
  // It fails every batch it owes when it fails: a register read with an address missing must not be linked against.
  const thread = await RequestThread.start<(string | null)[], NumberedAddresses>(new URL('./address-thread.js', import.meta.url), null, 'address');
  try {
    return await readPopulationColumns(file, unreadable, (raws) => thread.ask(raws));
  } finally {
    await thread.stop();
  }
}

/** Reads the register and builds its index. */
async function readHeld(options: LinkCsvOptions): Promise<Held> {
  const unreadable = new UnreadableFields();
  const register = await readRegister(options.population, unreadable, (options.threads ?? 1) > 1);
  if (unreadable.rows > 0) throw unreadableRegister(options.population, unreadable);
  if (options.estimate && register.size === 0) throw nothingToEstimateFrom(options.population);
  // One index for the estimation's blocked pairs and the linking (estimation changes m, u and the
  // prior, never the blocking rules), built as part of reading the register.
  return { register, index: new InMemoryCandidateSource(options.settings.blocking_rules, register) };
}

/**
 * Estimates the parameters from a sample of the records file's rows (read for it as a stream;
 * only the rows kept are turned into match records), its pairs worked out where `on` says.
 */
async function estimateFromFile(options: LinkCsvOptions, registerSize: number, on: PairsOn): Promise<Estimated> {
  const sample = estimationSample<RecordRow>();
  for await (const rows of streamRecordRowsCsv(options.records)) for (const row of rows) sample.offer(row);
  if (sample.seen === 0) throw nothingToEstimateFrom(options.records);
  const reader = new MatchRecordReader();
  const rows = sample.items();
  const records = rows.map((row) => recordOfRow(reader, row));
  const how = { recordsInFile: sample.seen, asOf: options.asOf ?? null };
  if ('here' in on) return estimateParameters(options.settings, on.here.register, records, { ...how, source: on.here.index });
  return estimateParametersOn(options.settings, registerSize, records, on.threads(rows), on.ways, how);
}

/**
 * link-csv: the register is read into a compact in-memory index; the records file is read twice
 * as a stream (once for the estimation sample, once to link), and the decisions are written as
 * they are made, so memory grows with the register only, not with the records. With `threads`
 * above one, the linking runs on that many worker threads sharing the register.
 */
export async function linkCsv(options: LinkCsvOptions): Promise<LinkCsvReport> {
  const started = performance.now();
  const since = () => (performance.now() - started) / 1000;
  const progress = options.progress ?? (() => undefined);
  progress({ phase: 'read', citizens: 0, records: 0, seconds: 0 });
  // Held only by `ready`, so that handing it over (take) leaves no other reference to this thread's copy.
  const ready: { held: Held | null } = { held: await readHeld(options) };
  const read = performance.now();
  const citizens = ready.held?.register.size ?? 0;
  let estimatedAt = read;
  let estimation: LinkCsvReport['estimation'] = null;
  let reported = 0;
  const prepared: Prepared = {
    settings: options.settings,
    estimate: options.estimate
      ? async (on) => {
          progress({ phase: 'estimate', citizens, records: 0, seconds: since() });
          const estimated = await estimateFromFile(options, citizens, on);
          estimation = { report: estimated.report, spread: estimated.spread };
          estimatedAt = performance.now();
          progress({ phase: 'link', citizens, records: 0, seconds: since() });
          return estimated.settings;
        }
      : null,
    asOf: options.asOf ?? null,
    out: options.out,
    records: options.records,
    linked: (records) => {
      if (Math.floor(records / PROGRESS_EVERY) > Math.floor(reported / PROGRESS_EVERY)) progress({ phase: 'link', citizens, records, seconds: since() });
      reported = records;
    },
    take: () => {
      const taken = ready.held;
      if (!taken) throw new Error('the register was handed over already');
      ready.held = null;
      return taken;
    },
  };
  if (!options.estimate) progress({ phase: 'link', citizens, records: 0, seconds: since() });
  const threads = options.threads ?? 1;
  const { records, decisions, tally, unreadable } = threads > 1 ? await linkOnThreads(prepared, threads) : await linkHere(prepared);
  const linked = performance.now();
  const seconds = (from: number, to: number) => (to - from) / 1000;
  return {
    citizens,
    records,
    decisions,
    seconds: { read: seconds(started, read), estimate: seconds(read, estimatedAt), link: seconds(estimatedAt, linked) },
    candidates: tally.counts(),
    genericLookups: Object.fromEntries(tally.genericLookups()),
    unreadable: { records: unreadable.rows, byColumn: unreadable.byColumn, told: unreadable.lines() },
    estimation,
  };
}
