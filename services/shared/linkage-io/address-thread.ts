/**
 * link-csv's address thread (started by address-threads.ts): numbers the raw addresses the reading
 * thread hands it, a batch of rows at a time, and works out each new one's features, while that
 * thread reads on.
 */

import { parentPort } from 'node:worker_threads';
import { asDancuError } from '../errors.js';
import { AddressNumbering } from './deferred-addresses.js';
import type { FromAddressThread, ToAddressThread } from './address-threads.js';

const port = parentPort;
if (!port) throw new Error('address-thread.ts runs as a worker thread of link-csv');

const numbering = new AddressNumbering();

port.on('message', ({ batch, raws }: ToAddressThread) => {
  try {
    const numbered = numbering.number(raws);
    port.postMessage({ type: 'numbered', batch, ...numbered } satisfies FromAddressThread, [numbered.values.buffer]);
  } catch (error) {
    const failure = asDancuError(error);
    port.postMessage({ type: 'failed', batch, code: failure.code, message: failure.message } satisfies FromAddressThread);
  }
});
port.postMessage({ type: 'ready' } satisfies FromAddressThread);
