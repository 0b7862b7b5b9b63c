import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { nationalRegister, type NationalPlan } from './national-register.js';
import { citizenCsvLine, csvLine, POPULATION_CSV_HEADER } from './population.js';

const RECORD_COLUMNS = ['record_id', 'source', 'personal_id', 'full_name', 'date_of_birth', 'sex', 'address', 'office_area'] as const;
const FLUSH_LINES = 5_000;

/** Lines to one file, written in batches, waiting for the disk when it falls behind (memory stays flat whatever the size). */
class LineFile {
  private readonly stream: WriteStream;
  private pending: string[] = [];

  constructor(
    readonly path: string,
    header: string,
  ) {
    this.stream = createWriteStream(path);
    this.pending.push(header);
  }

  async add(line: string): Promise<void> {
    this.pending.push(line);
    if (this.pending.length >= FLUSH_LINES) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = `${this.pending.join('\n')}\n`;
    this.pending = [];
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.pending.length > 0) await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

/**
 * population.csv, records.csv and truth.csv of a national register (the same files as
 * `writeLinkageSet`), written as the generator makes them.
 */
export async function writeNationalRegister(
  plan: NationalPlan,
  dir: string,
  onProgress?: (citizens: number) => void,
): Promise<{ files: { population: string; records: string; truth: string }; citizens: number; records: number }> {
  const population = new LineFile(join(dir, 'population.csv'), POPULATION_CSV_HEADER);
  const records = new LineFile(join(dir, 'records.csv'), RECORD_COLUMNS.join(','));
  const truth = new LineFile(join(dir, 'truth.csv'), 'record_id,citizen_id');
  let citizens = 0;
  let recordCount = 0;
  for (const item of nationalRegister(plan)) {
    if (item.kind === 'citizen') {
      await population.add(citizenCsvLine(item.citizen));
      citizens += 1;
      if (citizens % 100_000 === 0) onProgress?.(citizens);
    } else {
      await records.add(csvLine(RECORD_COLUMNS.map((column) => item.record[column] ?? '')));
      await truth.add(csvLine([item.record.record_id, item.citizenId ?? '']));
      recordCount += 1;
    }
  }
  await Promise.all([population.close(), records.close(), truth.close()]);
  return { files: { population: population.path, records: records.path, truth: truth.path }, citizens, records: recordCount };
}
