import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { populationCsv } from './population.js';
import type { LinkageSet } from './linkage-set.js';

/** population.csv, records.csv (link-csv's inputs) and truth.csv (record_id,citizen_id; empty when absent). */
export function writeLinkageSet(set: LinkageSet, dir: string): { population: string; records: string; truth: string } {
  const files = { population: join(dir, 'population.csv'), records: join(dir, 'records.csv'), truth: join(dir, 'truth.csv') };
  writeFileSync(files.population, populationCsv(set.population));
  writeFileSync(
    files.records,
    stringify(set.records, { header: true, columns: ['record_id', 'source', 'personal_id', 'full_name', 'date_of_birth', 'sex', 'address'] }),
  );
  writeFileSync(
    files.truth,
    stringify(
      [...set.truth].map(([record, citizen]) => [record, citizen ?? '']),
      { header: true, columns: ['record_id', 'citizen_id'] },
    ),
  );
  return files;
}
