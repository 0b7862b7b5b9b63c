import { createHash } from 'node:crypto';
import { csvFileRows } from '../shared/csv-rows.js';
import { TypoNeighbours } from '../shared/linkage/typo-neighbours.js';
import { DEFAULT_MAX_BLOCK } from '../shared/review/duplicate-scan.js';
import { bulkFiles, range } from './bulk-files.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/**
 * `npm run bench:typo-pairs`: the duplicate scan's typo lookups alone (TypoNeighbours.pairs) on the
 * personal IDs of the bulk benchmarks' register (a million citizens), BENCH_RUNS times, with a
 * digest of the distinct pairs so that two versions of the code can be seen to agree.
 */
async function main(): Promise<void> {
  const neighbours = new TypoNeighbours();
  let columns: string[] | null = null;
  for await (const rows of csvFileRows(bulkFiles().population)) {
    for (const cells of rows) {
      if (columns === null) {
        columns = cells;
        if (!columns.includes('personal_id')) throw new Error(`${bulkFiles().population} has no personal_id column: make the bulk files again`);
        continue;
      }
      const personalId = cells[columns.indexOf('personal_id')];
      if (personalId) neighbours.add(personalId, cells[columns.indexOf('citizen_id')]!);
    }
  }
  const seconds: number[] = [];
  for (let run = 1; run <= RUNS; run += 1) {
    const started = performance.now();
    const pairs = new Set<string>();
    for (const [a, b] of neighbours.pairs(DEFAULT_MAX_BLOCK)) pairs.add(`${a}|${b}`);
    seconds.push((performance.now() - started) / 1000);
    const digest = createHash('sha256')
      .update([...pairs].sort().join('\n'))
      .digest('hex')
      .slice(0, 16);
    console.log(`run ${run}: ${pairs.size.toLocaleString('en')} pairs one typo apart in ${seconds.at(-1)!.toFixed(2)} s (digest ${digest})`);
  }
  console.log(`range: ${range(seconds, 2)} s`);
}

await main();
