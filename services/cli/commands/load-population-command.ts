import { Command, Option } from 'commander';
import { onBulkThread } from '../bulk-thread.js';
import type { LoadPopulationInput } from '../load-population-thread.js';
import { requireFiles } from '../linkage-file-options.js';
import { wholeNumber } from '../number-options.js';
import { DEFAULT_NORMALISING_THREADS } from '../../shared/store/population-threads.js';

const MAX_THREADS = 64;

export function loadPopulationCommand(): Command {
  return new Command('load-population')
    .description('bulk-load a register snapshot into the population store (COPY; all or nothing)')
    .argument('<file>', 'CSV with header citizen_id,full_name,date_of_birth,sex,address[,personal_id]')
    .addOption(
      new Option('--threads <n>', 'threads that normalise the rows while the file is read and copied (1: on the main thread)')
        .argParser(wholeNumber(1, MAX_THREADS, 'threads'))
        .default(DEFAULT_NORMALISING_THREADS),
    )
    .action(async (file: string, options: { threads: number }) => {
      requireFiles([file]);
      const started = Date.now();
      const input: LoadPopulationInput = { file, threads: options.threads };
      const { rows, loadId } = await onBulkThread<{ rows: number; loadId: number }>(new URL('../load-population-thread.js', import.meta.url), input, (count) =>
        process.stderr.write(`\rloaded ${count.toLocaleString('en')} rows`),
      );
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write('\n');
      console.log(`loaded ${rows} citizens (load ${loadId}) in ${seconds.toFixed(1)} s, ${Math.round(rows / seconds)} rows/s`);
    });
}
