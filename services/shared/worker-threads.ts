/**
 * Worker threads as dancu's batch commands run them (link-csv's linking and address threads,
 * load-population's normalising threads; the last two ask and answer numbered requests,
 * RequestThread and serveRequests): a thread is ready when it says so, and its error, its exit or a failure it
 * reports is one DancuError that fails whatever the caller still awaits of it, so a command whose
 * thread died never writes a partial result as if it were whole.
 */

import { parentPort, Worker, type ResourceLimits } from 'node:worker_threads';
import { asDancuError, DancuError, ERROR_CODES, type ErrorCode } from './errors.js';

/** `role` names the thread in the message: "a linking thread failed: …". */
export function threadError(role: string, code: string, message: string): DancuError {
  const known = (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'INTERNAL_ERROR';
  return new DancuError(known, `a ${role} thread failed: ${message}`, { retriable: false });
}

/** What the caller does with a thread's messages other than 'ready', and with its failure. */
export interface ThreadHandlers<M> {
  answer(message: M): void;
  fail(error: DancuError): void;
}

/**
 * Starts the worker at `url` with `setup` as its workerData (and `resourceLimits`, when given).
 * `ready` resolves when it says `{ type: 'ready' }`, and rejects if it fails first; its later
 * messages go to `answer`, its error or exit to `fail`.
 */
export function startWorker<M extends { type: string }>(
  url: URL,
  setup: unknown,
  role: string,
  handlers: ThreadHandlers<Exclude<M, { type: 'ready' }>>,
  resourceLimits?: ResourceLimits,
): { worker: Worker; ready: Promise<void> } {
  const worker = new Worker(url, { workerData: setup, ...(resourceLimits ? { resourceLimits } : {}) });
  const ready = new Promise<void>((resolve, reject) => {
    const failed = (error: DancuError) => {
      handlers.fail(error);
      reject(error);
    };
    worker.on('message', (message: M) => (message.type === 'ready' ? resolve() : handlers.answer(message as Exclude<M, { type: 'ready' }>)));
    worker.on('error', (cause) => failed(threadError(role, 'INTERNAL_ERROR', cause.message)));
    // An answer that cannot be read back would otherwise be dropped, and its batch awaited for ever.
    worker.on('messageerror', (cause) => failed(threadError(role, 'INTERNAL_ERROR', `an answer could not be read: ${cause.message}`)));
    worker.on('exit', (code) => failed(threadError(role, 'INTERNAL_ERROR', `it stopped (exit code ${code})`)));
  });
  return { worker, ready };
}

/** Ends a worker on purpose: its exit is then not a failure. */
export async function stopWorker(worker: Worker): Promise<void> {
  worker.removeAllListeners('exit');
  await worker.terminate();
}

/** `count` threads started together; when one fails to start, those that did are stopped and its error is thrown. */
export async function startThreads<T extends { stop(): Promise<void> }>(count: number, start: () => Promise<T>): Promise<T[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, start));
  const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all(threads.map((thread) => thread.stop()));
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  return threads;
}

interface Waiting<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

/**
 * The answers a thread owes, by request id. Once the thread fails, every answer owed and every
 * later request fails with its error: a command missing one answer must not finish as if whole.
 */
export class OwedAnswers<T> {
  private readonly owed = new Map<number, Waiting<T>>();
  private failure: Error | null = null;

  get size(): number {
    return this.owed.size;
  }

  /** Request `id`, sent by `send` once it is awaited; resolves with its answer. */
  expect(id: number, send: () => void): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.owed.set(id, { resolve, reject });
      send();
    });
  }

  answer(id: number, value: T): void {
    this.owed.get(id)?.resolve(value);
    this.owed.delete(id);
  }

  fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.owed.values()) waiting.reject(this.failure);
    this.owed.clear();
  }
}

/** A request to a RequestThread, numbered by it. */
export interface ToRequestThread<Q> {
  id: number;
  request: Q;
}

/** What a RequestThread's worker says: ready, a request's answer, or that it failed. */
export type FromRequestThread<A> = { type: 'ready' } | { type: 'answer'; id: number; answer: A } | { type: 'failed'; code: string; message: string };

/**
 * A worker thread given numbered requests, each answered once (the worker runs serveRequests): a
 * bulk command's helper (load-population's normalising threads, link-csv's address thread). When
 * it fails, every answer it owes fails, and every later request: a command missing one answer must
 * not finish as if whole.
 */
export class RequestThread<Q, A> {
  private readonly owed = new OwedAnswers<A>();
  private requests = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly role: string,
  ) {}

  /** Starts the worker at `url` (`role` names it in errors) and waits until it is ready. */
  static async start<Q, A>(url: URL, setup: unknown, role: string): Promise<RequestThread<Q, A>> {
    const started = startWorker<FromRequestThread<A>>(url, setup, role, {
      answer: (message) => thread.answer(message),
      fail: (error) => thread.owed.fail(error),
    });
    const thread = new RequestThread<Q, A>(started.worker, role);
    await started.ready;
    return thread;
  }

  ask(request: Q): Promise<A> {
    const id = this.requests++;
    return this.owed.expect(id, () => this.worker.postMessage({ id, request } satisfies ToRequestThread<Q>));
  }

  stop(): Promise<void> {
    return stopWorker(this.worker);
  }

  private answer(message: Exclude<FromRequestThread<A>, { type: 'ready' }>): void {
    if (message.type === 'failed') this.owed.fail(threadError(this.role, message.code, message.message));
    else this.owed.answer(message.id, message.answer);
  }
}

/**
 * A RequestThread's worker side: answers each request with `answer`'s value, moving the buffers it
 * names rather than copying them; a request that throws is told as the thread's failure.
 */
export function serveRequests<Q, A>(answer: (request: Q) => { value: A; moved?: ArrayBuffer[] }): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests runs in a worker thread');
  const say = (message: FromRequestThread<A>, moved: ArrayBuffer[] = []) => port.postMessage(message, moved);
  port.on('message', ({ id, request }: ToRequestThread<Q>) => {
    try {
      const { value, moved } = answer(request);
      say({ type: 'answer', id, answer: value }, moved);
    } catch (error) {
      const failure = asDancuError(error);
      say({ type: 'failed', code: failure.code, message: failure.message });
    }
  });
  say({ type: 'ready' });
}
