import { mkdirSync } from 'node:fs';
import { Command } from 'commander';
import { generateLinkageSet } from '../../shared/synth/linkage-set.js';
import { writeLinkageSet } from '../../shared/synth/linkage-set-files.js';

export function synthCommand(): Command {
  return new Command('synth')
    .description('make a synthetic register and dirty sectoral records with ground truth (population.csv, records.csv, truth.csv)')
    .option('--population <n>', 'register size', '20000')
    .option('--records <n>', 'records', '5000')
    .option('--absent <share>', 'share of records about people not in the register', '0.1')
    .option('--seed <n>', 'random seed', '1')
    .requiredOption('--out <dir>', 'folder to write to')
    .action((options: { population: string; records: string; absent: string; seed: string; out: string }) => {
      mkdirSync(options.out, { recursive: true });
      const set = generateLinkageSet({
        population: Number(options.population),
        records: Number(options.records),
        absentShare: Number(options.absent),
        seed: Number(options.seed),
      });
      const files = writeLinkageSet(set, options.out);
      console.log(`${set.population.length} citizens → ${files.population}\n${set.records.length} records → ${files.records}\ntruth → ${files.truth}`);
    });
}
