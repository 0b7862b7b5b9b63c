/**
 * One of a population load's normalising threads (started by population-threads.ts): normalises
 * the batches of rows it is given with a normaliser of its own (its own caches of names, dates and
 * addresses) and answers each with its COPY lines.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { asDancuError } from '../errors.js';
import { normaliseBatch, RowNormaliser } from './population-rows.js';
import type { FromPopulationThread, PopulationThreadSetup, ToPopulationThread } from './population-threads.js';

const port = parentPort;
if (!port) throw new Error('population-thread.js runs as a worker thread of a population load');
const setup = workerData as PopulationThreadSetup;
const normaliser = new RowNormaliser(setup.origin, setup.settings);

function say(message: FromPopulationThread, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

port.on('message', (message: ToPopulationThread) => {
  try {
    const batch = normaliseBatch(normaliser, setup.columns, message.cells, message.firstRow);
    // The lines' bytes are moved, not copied: each batch has buffers of its own (utf8-lines.ts).
    say({ type: 'normalised', id: message.id, batch }, [batch.citizenLines.buffer as ArrayBuffer, batch.keyLines.buffer as ArrayBuffer]);
  } catch (error) {
    const failure = asDancuError(error);
    say({ type: 'failed', code: failure.code, message: failure.message });
  }
});
say({ type: 'ready' });
