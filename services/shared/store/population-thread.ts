/**
 * One of a population load's normalising threads (started by population-threads.ts): normalises
 * the batches of rows it is given with a normaliser of its own (its own caches of names, dates and
 * addresses) and answers each with its COPY lines.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { serveRequests } from '../worker-threads.js';
import { normaliseBatch, RowNormaliser, type NormalisedBatch } from './population-rows.js';
import type { PopulationBatch, PopulationThreadSetup } from './population-threads.js';

if (!parentPort) throw new Error('population-thread.js runs as a worker thread of a population load');
const setup = workerData as PopulationThreadSetup;
const normaliser = new RowNormaliser(setup.origin, setup.settings);

serveRequests<PopulationBatch, NormalisedBatch>(({ cells, firstRow }) => {
  const batch = normaliseBatch(normaliser, setup.columns, cells, firstRow);
  // The lines' bytes are moved, not copied: each batch has buffers of its own (utf8-lines.ts).
  return { value: batch, moved: [batch.citizenLines.buffer as ArrayBuffer, batch.keyLines.buffer as ArrayBuffer] };
});
