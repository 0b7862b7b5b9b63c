/**
 * A batch command's work on a worker thread of its own, whose young generation is sized for bulk
 * work. A million-row load allocates short-lived strings and arrays by the gigabyte; with V8's
 * default young generation (16 MB semi-spaces) many of them live just long enough (a batch ahead
 * of the COPY) to be copied into the old generation, and collecting them was some 40% of the
 * load's own CPU (docs/BENCHMARKS.md, "load-population's young generation"). The size of an
 * isolate's young generation is fixed when it starts: a command cannot enlarge its own, but it can
 * start a thread with a larger one. The thread reports progress and its result, or its error as
 * the command would have printed it (its message as thrown, its code as dancu classifies it); the
 * main thread writes to the terminal.
 */

import { parentPort } from 'node:worker_threads';
import { asDancuError, DancuError, type ErrorCode } from '../shared/errors.js';
import { startWorker, type ThreadHandlers } from '../shared/worker-threads.js';

/** The young generation of a bulk thread: 128 MB semi-spaces, as `--max-semi-space-size=128` would give (V8 keeps three semi-spaces' worth). */
export const BULK_YOUNG_GENERATION_MB = 384;

export type FromBulkThread<R> =
  { type: 'progress'; count: number } | { type: 'done'; result: R } | { type: 'failed'; code: ErrorCode; message: string; retriable: boolean };

/**
 * Runs the worker module at `url` with `input` as its workerData, handing its progress to
 * `onProgress`; resolves with its result, or rejects with a DancuError carrying its error's
 * message as thrown there. A thread that stops without either fails as startWorker says.
 */
export function onBulkThread<R>(url: URL, input: unknown, onProgress: (count: number) => void = () => undefined): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const handlers: ThreadHandlers<FromBulkThread<R>> = {
      answer: (message) => {
        if (message.type === 'progress') onProgress(message.count);
        else if (message.type === 'done') resolve(message.result);
        else reject(new DancuError(message.code, message.message, { retriable: message.retriable }));
      },
      // Its exit after the result is a failure too late to matter: the promise is settled already.
      fail: reject,
    };
    const { ready } = startWorker<FromBulkThread<R>>(url, input, 'bulk command', handlers, { maxYoungGenerationSizeMb: BULK_YOUNG_GENERATION_MB });
    // A bulk thread never says it is ready; its failure reaches `fail`.
    ready.catch(() => undefined);
  });
}

/** In the worker module: runs `work`, posting its progress and then its result or its error; the thread ends when `work` has let go of everything. */
export async function serveBulkWork<R>(work: (progress: (count: number) => void) => Promise<R>): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('a bulk command module runs as a worker thread (onBulkThread)');
  const say = (message: FromBulkThread<R>) => port.postMessage(message);
  try {
    say({ type: 'done', result: await work((count) => say({ type: 'progress', count })) });
  } catch (error) {
    // Classified for its code, but with its own message: the command printed the error's message as thrown.
    const failure = asDancuError(error);
    say({ type: 'failed', code: failure.code, message: error instanceof Error ? error.message : String(error), retriable: failure.retriable });
  }
}
