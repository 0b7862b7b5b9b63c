import { inMemoryLinkage } from '../linkage/batch-linkage.js';
import { boundedForDedupe, dedupePairs, estimateForDedupe, type PairDecision } from '../linkage/dedupe.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { csvField } from '../csv-rows.js';
import { CsvStreamWriter, nothingToEstimateFrom, readPopulationColumns } from './csv-io.js';

export interface DedupeCsvOptions {
  register: string;
  out: string;
  settings: LinkageSettings;
  estimate: boolean;
}

export interface DedupeCsvReport {
  citizens: number;
  pairs: { duplicate: number; review: number };
  /** Per rule, the lookups of a key held by more entries than its bound (a placeholder ID), left out of its pairs: an entry's own key, or a typo variant of it. */
  generic: Record<string, number>;
  seconds: { read: number; estimate: number; scan: number };
}

const PAIRS_HEADER = 'citizen_id_a,citizen_id_b,decision,score\n';
const pairLine = (p: PairDecision) => `${csvField(p.a)},${csvField(p.b)},${p.decision},${p.score.toFixed(6)}\n`;
const BATCH = 1000;

/** `dancu dedupe-csv`: the register (as for load-population) against itself; PAIRS.csv written as pairs are found. */
export async function dedupeCsv(options: DedupeCsvOptions): Promise<DedupeCsvReport> {
  const started = performance.now();
  const register = await readPopulationColumns(options.register);
  const read = performance.now();
  if (options.estimate && register.size === 0) throw nothingToEstimateFrom(options.register);
  const bounded = boundedForDedupe(options.settings);
  const settings = options.estimate ? estimateForDedupe(bounded, register) : bounded;
  const estimated = performance.now();
  const { engine, source } = inMemoryLinkage(settings, register);
  const writer = new CsvStreamWriter<PairDecision>(options.out, PAIRS_HEADER, pairLine);
  const pairs = { duplicate: 0, review: 0 };
  await writer.allOrNothing(async () => {
    let batch: PairDecision[] = [];
    for (const pair of dedupePairs(engine, source)) {
      pairs[pair.decision] += 1;
      batch.push(pair);
      if (batch.length >= BATCH) {
        await writer.write(batch);
        batch = [];
      }
    }
    await writer.write(batch);
  });
  const seconds = (from: number, to: number) => (to - from) / 1000;
  return {
    citizens: register.size,
    pairs,
    generic: Object.fromEntries([...source.genericLookups()].filter(([, n]) => n > 0)),
    seconds: { read: seconds(started, read), estimate: seconds(read, estimated), scan: seconds(estimated, performance.now()) },
  };
}
