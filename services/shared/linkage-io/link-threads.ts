import { Worker } from 'node:worker_threads';
import type { TallyState } from '../linkage/candidate-tally.js';
import { DancuError, ERROR_CODES, type ErrorCode } from '../errors.js';
import type { DecisionKind } from '../schemas/records.js';
import type { RecordRow } from './csv-io.js';
import type { FromLinkThread, LinkThreadSetup, ToLinkThread } from './link-thread-messages.js';

/** A chunk's decisions as a thread answers them: its D.csv lines and how many of each kind. */
export interface DecidedChunk {
  lines: string;
  decisions: Record<DecisionKind, number>;
}

interface Waiting<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

function threadError(code: string, message: string): DancuError {
  const known = (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'INTERNAL_ERROR';
  return new DancuError(known, `a linking thread failed: ${message}`, { retriable: false });
}

/** One linking thread and what it has not answered yet. */
class LinkThread {
  readonly waiting = new Map<number, Waiting<DecidedChunk>>();
  private tally: Waiting<TallyState> | null = null;
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {}

  static start(setup: LinkThreadSetup): Promise<LinkThread> {
    const worker = new Worker(new URL('./link-thread.js', import.meta.url), { workerData: setup });
    const thread = new LinkThread(worker);
    return new Promise((resolve, reject) => {
      worker.on('message', (message: FromLinkThread) => (message.type === 'ready' ? resolve(thread) : thread.answer(message)));
      worker.on('error', (cause) => {
        const error = threadError('INTERNAL_ERROR', cause.message);
        thread.fail(error);
        reject(error);
      });
      worker.on('exit', (code) => {
        const error = threadError('INTERNAL_ERROR', `it stopped (exit code ${code})`);
        thread.fail(error);
        reject(error);
      });
    });
  }

  decide(chunk: number, rows: RecordRow[]): Promise<DecidedChunk> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(chunk, { resolve, reject });
      this.post({ type: 'chunk', chunk, rows });
    });
  }

  finish(): Promise<TallyState> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.tally = { resolve, reject };
      this.post({ type: 'finish' });
    });
  }

  async stop(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private post(message: ToLinkThread): void {
    this.worker.postMessage(message);
  }

  private answer(message: Exclude<FromLinkThread, { type: 'ready' }>): void {
    if (message.type === 'tally') {
      this.tally?.resolve(message.state);
      this.tally = null;
    } else if (message.type === 'decided') {
      this.waiting.get(message.chunk)?.resolve({ lines: message.lines, decisions: message.decisions });
      this.waiting.delete(message.chunk);
    } else {
      this.fail(threadError(message.code, message.message));
    }
  }

  /** Every answer still awaited fails, and every later request. */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
    this.tally?.reject(this.failure);
    this.tally = null;
  }
}

/**
 * link-csv's linking threads: each chunk of records goes to the thread with the fewest chunks
 * in hand, and its decisions come back as D.csv lines. A thread that fails fails the run (every
 * chunk awaited from it is rejected with its error): a partial D.csv must not look complete.
 */
export class LinkThreads {
  private constructor(private readonly threads: LinkThread[]) {}

  static async start(count: number, setup: LinkThreadSetup): Promise<LinkThreads> {
    const started = await Promise.allSettled(Array.from({ length: count }, () => LinkThread.start(setup)));
    const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      await Promise.all(threads.map((thread) => thread.stop()));
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    return new LinkThreads(threads);
  }

  private chunks = 0;

  decide(rows: RecordRow[]): Promise<DecidedChunk> {
    const thread = this.threads.reduce((least, t) => (t.waiting.size < least.waiting.size ? t : least));
    return thread.decide(this.chunks++, rows);
  }

  /** Each thread's tally of candidates, once every chunk is answered (the caller stops the threads, whatever happened). */
  finish(): Promise<TallyState[]> {
    return Promise.all(this.threads.map((thread) => thread.finish()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.stop()));
  }
}
