/**
 * The normalising threads of a population load: worker threads, each with a RowNormaliser of its
 * own, given batches of rows in turn and answering each with its COPY lines.
 */

import { availableParallelism } from 'node:os';
import { RequestThread, startThreads } from '../worker-threads.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { normaliseBatch, RowNormaliser, type NormalisedBatch } from './population-rows.js';

/**
 * Where a population load's rows are normalised: on its own thread, or spread over normalising
 * threads while the main thread reads the file and feeds PostgreSQL's COPY. Normalising is most of
 * a load's own CPU (a million rows take some 15–30 s of it, parsing them about 1 s), so on a
 * machine with cores to spare the threads take it off the path of the COPY.
 */
export interface BatchNormaliser {
  /** The rows after the header, the first of them row `firstRow` of the file; batches answer in any order, each for its own rows. */
  normalise(cells: string[][], firstRow: number): Promise<NormalisedBatch>;
  stop(): Promise<void>;
}

/**
 * Normalising threads a load uses unless told: the cores left once PostgreSQL's COPY and the thread
 * reading the file have one each, from one to four. On two cores that is one, the main thread
 * doing it all: there both cores are busy already (Node normalising, PostgreSQL copying), and two
 * threads loaded a million citizens no faster and ten million 5% slower, at twice the memory
 * (docs/BENCHMARKS.md, "load-population on normalising threads").
 */
export const DEFAULT_NORMALISING_THREADS = Math.min(Math.max(availableParallelism() - 2, 1), 4);

/** What every normalising thread is given once: how to read a row and how to normalise it. */
export interface PopulationThreadSetup {
  origin: string;
  settings: LinkageSettings;
  columns: string[];
}

/** A batch of rows for a normalising thread: the rows after the header, the first of them row `firstRow` of the file. */
export interface PopulationBatch {
  cells: string[][];
  firstRow: number;
}

/** Rows normalised on the calling thread. */
export function normaliserOnThisThread(setup: PopulationThreadSetup): BatchNormaliser {
  const normaliser = new RowNormaliser(setup.origin, setup.settings);
  return {
    normalise: (cells, firstRow) => Promise.resolve(normaliseBatch(normaliser, setup.columns, cells, firstRow)),
    stop: () => Promise.resolve(),
  };
}

/** `count` normalising threads, given batches in turn (each thread answers its own in order). */
export async function startNormalisingThreads(count: number, setup: PopulationThreadSetup): Promise<BatchNormaliser> {
  // A thread that fails fails every batch it still owes, and every later one: a load with a batch missing must not commit.
  const start = () => RequestThread.start<PopulationBatch, NormalisedBatch>(new URL('./population-thread.js', import.meta.url), setup, 'normalising');
  const threads = await startThreads(count, start);
  let batches = 0;
  return {
    normalise: (cells, firstRow) => threads[batches++ % threads.length]!.ask({ cells, firstRow }),
    stop: async () => {
      await Promise.all(threads.map((thread) => thread.stop()));
    },
  };
}
