/**
 * The normalising threads of a population load: worker threads, each with a RowNormaliser of its
 * own, given batches of rows in turn and answering each with its COPY lines.
 */

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { OwedAnswers, startThreads, startWorker, stopWorker, threadError } from '../worker-threads.js';
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

export type ToPopulationThread = { type: 'batch'; id: number; cells: string[][]; firstRow: number };
export type FromPopulationThread =
  { type: 'ready' } | { type: 'normalised'; id: number; batch: NormalisedBatch } | { type: 'failed'; code: string; message: string };

/** Rows normalised on the calling thread. */
export function normaliserOnThisThread(setup: PopulationThreadSetup): BatchNormaliser {
  const normaliser = new RowNormaliser(setup.origin, setup.settings);
  return {
    normalise: (cells, firstRow) => Promise.resolve(normaliseBatch(normaliser, setup.columns, cells, firstRow)),
    stop: () => Promise.resolve(),
  };
}

/** One normalising thread and the batches it has not answered yet. */
class PopulationThread {
  private readonly batches = new OwedAnswers<NormalisedBatch>();

  private constructor(private readonly worker: Worker) {}

  static async start(setup: PopulationThreadSetup): Promise<PopulationThread> {
    const started = startWorker<FromPopulationThread>(new URL('./population-thread.js', import.meta.url), setup, 'normalising', {
      answer: (message) => thread.answer(message),
      // Every batch still awaited fails, and every later one: a load with a batch missing must not commit.
      fail: (error) => thread.batches.fail(error),
    });
    const thread = new PopulationThread(started.worker);
    await started.ready;
    return thread;
  }

  normalise(id: number, cells: string[][], firstRow: number): Promise<NormalisedBatch> {
    return this.batches.expect(id, () => this.worker.postMessage({ type: 'batch', id, cells, firstRow } satisfies ToPopulationThread));
  }

  stop(): Promise<void> {
    return stopWorker(this.worker);
  }

  private answer(message: Exclude<FromPopulationThread, { type: 'ready' }>): void {
    if (message.type === 'failed') this.batches.fail(threadError('normalising', message.code, message.message));
    else this.batches.answer(message.id, message.batch);
  }
}

/** `count` normalising threads, given batches in turn (each thread answers its own in order). */
export async function startNormalisingThreads(count: number, setup: PopulationThreadSetup): Promise<BatchNormaliser> {
  const threads = await startThreads(count, () => PopulationThread.start(setup));
  let batches = 0;
  return {
    normalise: (cells, firstRow) => {
      const id = batches++;
      return threads[id % threads.length]!.normalise(id, cells, firstRow);
    },
    stop: async () => {
      await Promise.all(threads.map((thread) => thread.stop()));
    },
  };
}
