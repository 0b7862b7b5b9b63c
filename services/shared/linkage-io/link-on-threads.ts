import { CandidateTally, type TallyState } from '../linkage/candidate-tally.js';
import type { WorkOutPairs } from '../linkage/estimate.js';
import { tfFeatures, type LinkageSettings } from '../linkage/settings.js';
import { TermFrequencies } from '../linkage/term-frequencies.js';
import { CsvStreamWriter, DECISIONS_HEADER, streamRecordRowsCsv, UnreadableFields, type RecordRow } from './csv-io.js';
import type { LinkThreadSetup } from './link-thread-messages.js';
import { LinkThreads, type DecidedChunk } from './link-threads.js';
import { addDecisionCounts, LINK_CHUNK, noDecisions, type Linked, type Prepared } from './linking-phase.js';

/** What linking on threads asks of its threads (LinkThreads; a test gives its own). */
export interface ChunkDecider {
  /** The estimation's pairs of the sample's rows, a share a thread. */
  workOutPairs(rows: RecordRow[]): WorkOutPairs;
  /** The settings the chunks handed out after this are decided with. */
  settle(settings: LinkageSettings): void;
  readonly size: number;
  decide(rows: RecordRow[]): Promise<DecidedChunk>;
  /** Each thread's tally, once every chunk is answered. */
  finish(): Promise<TallyState[]>;
  stop(): Promise<void>;
}

export type StartThreads = (threads: number, setup: LinkThreadSetup) => Promise<ChunkDecider>;

/**
 * The linking threads, each given the register and its index in shared memory. This thread's own
 * strings and ID strings are let go of once the threads have their copies (the rows, IDs and
 * indexes stay, shared): only the threads link.
 */
function startThreads(prepared: Prepared, threads: number, start: StartThreads): Promise<ChunkDecider> {
  const { register, index } = prepared.take();
  const frequencies = TermFrequencies.fromRegister(register, tfFeatures(prepared.settings));
  return start(threads, {
    settings: prepared.settings,
    register: register.share(),
    indexes: index.share(),
    frequencies: { total: frequencies.total, counts: frequencies.countsByFeature() },
    asOf: prepared.asOf,
  });
}

/**
 * Links on `threads` worker threads (link-thread.ts) over the register and its index in shared
 * memory. When the parameters are to be estimated, the threads work out the estimation's pairs
 * first, a share each, and are then given the settings as estimated. This thread reads the records
 * file, hands out chunks of rows and writes their decisions in the file's order, whatever order
 * the threads answer in. At most two chunks per thread are in hand, so memory stays flat whatever
 * the file's size. A chunk that fails fails the run, and no D.csv is left.
 */
export async function linkOnThreads(prepared: Prepared, threads: number, start: StartThreads = (n, setup) => LinkThreads.start(n, setup)): Promise<Linked> {
  const pool = await startThreads(prepared, threads, start);
  try {
    const { estimate } = prepared;
    if (estimate) pool.settle(await estimate({ threads: (rows) => pool.workOutPairs(rows), ways: pool.size }));
    return await decideOnThreads(prepared, pool);
  } finally {
    await pool.stop();
  }
}

/** Hands out the records file's chunks and writes their decisions in order. */
async function decideOnThreads({ out, records: file, linked }: Prepared, pool: ChunkDecider): Promise<Linked> {
  const tally = CandidateTally.absorbing();
  const writer = new CsvStreamWriter<DecidedChunk>(out, DECISIONS_HEADER, (decided) => decided.lines);
  const decisions = noDecisions();
  const unreadable = new UnreadableFields();
  let records = 0;
  const inHand: { rows: number; decided: Promise<DecidedChunk> }[] = [];
  const writeOldest = async () => {
    const { rows, decided } = inHand.shift()!;
    const chunk = await decided;
    addDecisionCounts(decisions, chunk.decisions);
    records += rows;
    linked(records);
    await writer.write([chunk]);
  };
  await writer.allOrNothing(async () => {
    let chunk: RecordRow[] = [];
    const handOut = async () => {
      const decided = pool.decide(chunk);
      // A chunk that fails is awaited in its turn; until then its rejection is not unhandled.
      decided.catch(() => undefined);
      inHand.push({ rows: chunk.length, decided });
      chunk = [];
      if (inHand.length >= 2 * pool.size) await writeOldest();
    };
    for await (const rows of streamRecordRowsCsv(file, unreadable)) {
      for (const row of rows) {
        chunk.push(row);
        if (chunk.length >= LINK_CHUNK) await handOut();
      }
    }
    if (chunk.length > 0) await handOut();
    while (inHand.length > 0) await writeOldest();
    for (const state of await pool.finish()) tally.absorb(state);
  });
  return { records, decisions, tally, unreadable };
}
