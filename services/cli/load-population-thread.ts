/**
 * load-population's work on its bulk thread (bulk-thread.ts): the load, with the command's own
 * pool, settings and options, from the environment the command was started with.
 */

import { workerData } from 'node:worker_threads';
import { loadConfig } from './config.js';
import { serveBulkWork } from './bulk-thread.js';
import { withPool } from './kafka-session.js';
import { loadSettings } from '../shared/linkage/settings.js';
import { loadPopulation } from '../shared/store/population-load.js';

export interface LoadPopulationInput {
  file: string;
  threads: number;
}

const { file, threads } = workerData as LoadPopulationInput;
await serveBulkWork((progress) => {
  const config = loadConfig(process.env);
  return withPool(config, 1, (pool) => loadPopulation(pool, file, loadSettings(config.DANCU_LINKAGE_SETTINGS), { threads, onProgress: progress }));
});
