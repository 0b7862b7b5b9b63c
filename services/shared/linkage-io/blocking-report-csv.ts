import { BlockingTally, type BlockingReport } from '../linkage/blocking-report.js';
import { InMemoryCandidateSource } from '../linkage/in-memory-candidates.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { readPopulationColumns, readTruthCsv, streamRecordsCsv } from './csv-io.js';

export interface BlockingReportOptions {
  register: string;
  records: string;
  truth: string | null;
  settings: LinkageSettings;
}

/**
 * `dancu blocking report`: the settings' blocking rules run over link-csv's inputs (the register
 * in the compact index, the records streamed), counted by BlockingTally. With a truth file, the
 * true pairs that no rule reaches are counted and listed: what no threshold can recover.
 */
export async function blockingReportOfFiles(options: BlockingReportOptions): Promise<BlockingReport> {
  const source = new InMemoryCandidateSource(options.settings.blocking_rules, await readPopulationColumns(options.register));
  const truth = options.truth === null ? null : await readTruthCsv(options.truth);
  const tally = new BlockingTally(source);
  for await (const batch of streamRecordsCsv(options.records)) {
    for (const { record } of batch) tally.add(record, truth === null ? undefined : (truth.get(record.id) ?? null));
  }
  return tally.report();
}
