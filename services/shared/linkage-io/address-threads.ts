import type { Worker } from 'node:worker_threads';
import { OwedAnswers, startWorker, stopWorker, threadError } from '../worker-threads.js';
import type { NumberAddresses, NumberedAddresses } from './deferred-addresses.js';

/** A batch of rows' raw addresses for the address thread (address-thread.ts), and its answer: the rows' values and the new values' features. */
export interface ToAddressThread {
  batch: number;
  raws: (string | null)[];
}

export type FromAddressThread =
  { type: 'ready' } | ({ type: 'numbered'; batch: number } & NumberedAddresses) | { type: 'failed'; batch: number; code: string; message: string };

/**
 * The thread that works out a register's addresses while link-csv's main thread reads the file
 * (DeferredAddresses). It fails every batch it still owes when it fails: a register read with an
 * address missing must not be linked against.
 */
export class AddressThread {
  private readonly owed = new OwedAnswers<NumberedAddresses>();
  private batches = 0;

  private constructor(private readonly worker: Worker) {}

  static async start(): Promise<AddressThread> {
    const started = startWorker<FromAddressThread>(new URL('./address-thread.js', import.meta.url), null, 'address', {
      answer: (message) => thread.answer(message),
      fail: (error) => thread.owed.fail(error),
    });
    const thread = new AddressThread(started.worker);
    await started.ready;
    return thread;
  }

  /** These rows' addresses numbered, as DeferredAddresses asks for them. */
  readonly numberAddresses: NumberAddresses = (raws) => {
    const batch = this.batches++;
    return this.owed.expect(batch, () => this.worker.postMessage({ batch, raws } satisfies ToAddressThread));
  };

  stop(): Promise<void> {
    return stopWorker(this.worker);
  }

  private answer(message: Exclude<FromAddressThread, { type: 'ready' }>): void {
    if (message.type === 'numbered') this.owed.answer(message.batch, message);
    else this.owed.fail(threadError('address', message.code, message.message));
  }
}
