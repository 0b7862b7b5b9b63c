import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { scanForDuplicates, type DuplicateScanReport } from '../../services/shared/review/duplicate-scan.js';
import { loadPopulation } from '../../services/shared/store/population-load.js';
import { generatePopulation, populationCsv } from '../../services/shared/synth/population.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

/** 201 people of one family name born on one day: one block of 201 under dob_family, whose max_block_size is 50. */
const BLOCK = generatePopulation(201, 6060).map((citizen) => ({
  ...citizen,
  full_name: `Nguyễn ${citizen.full_name.split(' ').slice(1).join(' ')}`,
  date_of_birth: '1980-05-05',
}));
const ALL_PAIRS = (BLOCK.length * (BLOCK.length - 1)) / 2;

describe('the bounds of the duplicate scan', () => {
  const database = new IsolatedDatabase('scan-bounds');
  let byDefault: DuplicateScanReport;
  let raised: DuplicateScanReport;

  beforeAll(async () => {
    await database.setUp();
    const file = join(tmpdir(), `${database.name}-population.csv`);
    writeFileSync(file, populationCsv(BLOCK));
    await loadPopulation(database.pool, file, loadSettings());
    byDefault = await scanForDuplicates(database.pool, loadSettings());
    raised = await scanForDuplicates(database.pool, loadSettings(), { maxBlock: 300 });
  }, 120_000);

  afterAll(async () => {
    await database.cleanUp();
  });

  it("skips a block larger than its rule's max_block_size, as linking does, and names it", () => {
    expect(byDefault.blocksSkipped).toContainEqual({ rule: 'dob_family', size: BLOCK.length });
    expect(byDefault.blocksSkippedCount).toBe(byDefault.blocksSkipped.length);
    expect(byDefault.pairsCompared).toBeLessThan(ALL_PAIRS);
  });

  it('compares every pair of a block within the bound the caller raised, each once, across several batches of the cursor', () => {
    expect({ named: raised.blocksSkipped, count: raised.blocksSkippedCount }).toEqual({ named: [], count: 0 });
    expect(raised.pairsCompared).toBe(ALL_PAIRS);
  });
});
