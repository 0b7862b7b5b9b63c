import { createHash } from 'node:crypto';
import { csvFileRows } from '../shared/csv-rows.js';
import { TypoNeighbours } from '../shared/linkage/typo-neighbours.js';
import { DEFAULT_MAX_BLOCK } from '../shared/linkage/settings.js';
import { bulkFiles, range } from './bulk-files.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/**
 * `npm run bench:typo-pairs`: the duplicate scan's typo lookups alone (TypoNeighbours.pairs) on the
 * personal IDs of the bulk benchmarks' register (a million citizens), BENCH_RUNS times, with a
 * digest of the distinct pairs so that two versions of the code can be seen to agree.
 */
async function main(): Promise<void> {
  const neighbours = new TypoNeighbours();
  const file = bulkFiles().population;
  let at: { id: number; personalId: number } | null = null;
  for await (const rows of csvFileRows(file)) {
    for (const cells of rows) {
      if (at === null) {
        at = { id: cells.indexOf('citizen_id'), personalId: cells.indexOf('personal_id') };
        if (at.personalId < 0) throw new Error(`${file} has no personal_id column: make the bulk files again`);
        continue;
      }
      const personalId = cells[at.personalId];
      if (personalId) neighbours.add(personalId, cells[at.id]!);
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
