import { mkdirSync } from 'node:fs';
import { Command, Option } from 'commander';
import { numberBetween, wholeNumber } from '../number-options.js';
import { generateLinkageSet } from '../../shared/synth/linkage-set.js';
import { writeLinkageSet } from '../../shared/synth/linkage-set-files.js';
import { writeNationalRegister } from '../../shared/synth/national-register-files.js';

interface SynthOptions {
  population: number;
  records: number;
  absent: number;
  seed: number;
  out: string;
  profile: 'classic' | 'hard' | 'national';
}

export function synthCommand(): Command {
  return new Command('synth')
    .description('make a synthetic register and dirty sectoral records with ground truth (population.csv, records.csv, truth.csv)')
    .option('--population <n>', 'register size', wholeNumber(1, Infinity, 'citizens'), 20_000)
    .option('--records <n>', 'records', wholeNumber(0, Infinity, 'records'), 5_000)
    .option('--absent <share>', 'share of records about people not in the register', numberBetween(0, 1), 0.1)
    .option('--seed <n>', 'random seed', wholeNumber(0, Infinity, ''), 1)
    .addOption(
      new Option(
        '--profile <profile>',
        'classic: the benchmarks’ set, made in memory; hard: the classic set with fewer IDs, movers, year-only register dates for the elderly, names given-first or with the middle dropped, first-letter typos and parents’ IDs on children’s records; national: any size, written as a stream, with households, twins, lineage villages, movers and names at national shares',
      )
        .choices(['classic', 'hard', 'national'])
        .default('classic'),
    )
    .requiredOption('--out <dir>', 'folder to write to')
    .action(async (options: SynthOptions) => {
      mkdirSync(options.out, { recursive: true });
      const plan = { population: options.population, records: options.records, absentShare: options.absent, seed: options.seed };
      if (options.profile === 'national') {
        const started = performance.now();
        // Rewritten in place on a terminal; a line each in a log, where a carriage return would run them together.
        const [before, after] = process.stderr.isTTY ? ['\r', ''] : ['', '\n'];
        const written = await writeNationalRegister(plan, options.out, (citizens) =>
          process.stderr.write(`${before}${citizens.toLocaleString('en')} citizens written${after}`),
        );
        if (process.stderr.isTTY) process.stderr.write('\n');
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        console.log(
          `${written.citizens} citizens → ${written.files.population}\n${written.records} records → ${written.files.records}\ntruth → ${written.files.truth}\nin ${seconds} s`,
        );
        return;
      }
      const set = generateLinkageSet({ ...plan, profile: options.profile });
      const files = writeLinkageSet(set, options.out);
      console.log(`${set.population.length} citizens → ${files.population}\n${set.records.length} records → ${files.records}\ntruth → ${files.truth}`);
    });
}
