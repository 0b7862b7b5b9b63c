import type { Worker } from 'node:worker_threads';
import type { TallyState } from '../linkage/candidate-tally.js';
import type { EstimationPairs, EstimationShare, WorkOutPairs } from '../linkage/estimate.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { OwedAnswers, startThreads, startWorker, stopWorker, threadError } from '../worker-threads.js';
import type { DecisionKind } from '../schemas/records.js';
import type { RecordRow } from './csv-io.js';
import type { FromLinkThread, LinkThreadSetup, ToLinkThread } from './link-thread-messages.js';

/** A chunk's decisions as a thread answers them: its D.csv lines and how many of each kind. */
export interface DecidedChunk {
  lines: string;
  decisions: Record<DecisionKind, number>;
}

/** One linking thread and what it has not answered yet. */
class LinkThread {
  readonly chunks = new OwedAnswers<DecidedChunk>();
  /** Its tally of candidates, asked for once (request 0) when every chunk is answered. */
  private readonly tally = new OwedAnswers<TallyState>();
  /** Its shares of the estimation's pairs. */
  private readonly pairs = new OwedAnswers<EstimationPairs>();
  private pairRequests = 0;

  private constructor(private readonly worker: Worker) {}

  static async start(setup: LinkThreadSetup): Promise<LinkThread> {
    const started = startWorker<FromLinkThread>(new URL('./link-thread.js', import.meta.url), setup, 'linking', {
      answer: (message) => thread.answer(message),
      fail: (error) => thread.fail(error),
    });
    const thread = new LinkThread(started.worker);
    await started.ready;
    return thread;
  }

  workOut(rows: RecordRow[], draws: Int32Array, share: EstimationShare): Promise<EstimationPairs> {
    const request = this.pairRequests++;
    return this.pairs.expect(request, () => this.post({ type: 'pairs', request, rows, draws, share }));
  }

  settle(settings: LinkageSettings): void {
    this.post({ type: 'settings', settings });
  }

  decide(chunk: number, rows: RecordRow[]): Promise<DecidedChunk> {
    return this.chunks.expect(chunk, () => this.post({ type: 'chunk', chunk, rows }));
  }

  finish(): Promise<TallyState> {
    return this.tally.expect(0, () => this.post({ type: 'finish' }));
  }

  stop(): Promise<void> {
    return stopWorker(this.worker);
  }

  private post(message: ToLinkThread): void {
    this.worker.postMessage(message);
  }

  private answer(message: Exclude<FromLinkThread, { type: 'ready' }>): void {
    if (message.type === 'tally') this.tally.answer(0, message.state);
    else if (message.type === 'pairs') this.pairs.answer(message.request, message.pairs);
    else if (message.type === 'decided') this.chunks.answer(message.chunk, { lines: message.lines, decisions: message.decisions });
    else this.fail(threadError('linking', message.code, message.message));
  }

  /** Every answer still awaited fails, and every later request. */
  private fail(error: Error): void {
    this.chunks.fail(error);
    this.tally.fail(error);
    this.pairs.fail(error);
  }
}

/**
 * link-csv's linking threads: each works out a share of the estimation's pairs when asked; then
 * each chunk of records goes to the thread with the fewest chunks in hand, and its decisions come
 * back as D.csv lines. A thread that fails fails the run (every
 * chunk awaited from it is rejected with its error): a partial D.csv must not look complete.
 */
export class LinkThreads {
  private constructor(private readonly threads: LinkThread[]) {}

  static async start(count: number, setup: LinkThreadSetup): Promise<LinkThreads> {
    return new LinkThreads(await startThreads(count, () => LinkThread.start(setup)));
  }

  private chunks = 0;

  /** The estimation's pairs of the sample's rows, worked out a share a thread (estimateParametersOn). */
  workOutPairs(rows: RecordRow[]): WorkOutPairs {
    return (draws, shares) => {
      if (shares.length !== this.threads.length) throw new Error(`${shares.length} shares of the estimation's pairs for ${this.threads.length} threads`);
      return Promise.all(shares.map((share, t) => this.threads[t]!.workOut(rows, draws, share)));
    };
  }

  /** The settings every chunk handed out after this is decided with. */
  settle(settings: LinkageSettings): void {
    for (const thread of this.threads) thread.settle(settings);
  }

  get size(): number {
    return this.threads.length;
  }

  decide(rows: RecordRow[]): Promise<DecidedChunk> {
    const thread = this.threads.reduce((least, t) => (t.chunks.size < least.chunks.size ? t : least));
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
