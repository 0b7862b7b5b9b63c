import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError } from '../../shared/errors.js';
import { dedupeCsv } from '../../shared/linkage-io/dedupe-csv.js';
import { DEFAULT_SETTINGS_FILE, loadSettings } from '../../shared/linkage/settings.js';

export function dedupeCsvCommand(): Command {
  return new Command('dedupe-csv')
    .description("find the people a register holds twice, offline (batch): the duplicate scan's contract on a file")
    .requiredOption('--register <file>', 'register: citizen_id,full_name,date_of_birth,sex,address[,personal_id] (as for load-population)')
    .requiredOption('--out <file>', 'pairs: citizen_id_a,citizen_id_b,decision,score (decision: duplicate or review)')
    .option('--settings <file>', 'linkage settings (comparisons, blocking rules, thresholds)', DEFAULT_SETTINGS_FILE)
    .addOption(
      new Option('--parameters <how>', "estimate m, u and the prior from the register first (no labels needed), or use the settings file's as committed")
        .choices(['estimate', 'committed'])
        .default('estimate'),
    )
    .action(async (options: { register: string; out: string; settings: string; parameters: 'estimate' | 'committed' }) => {
      for (const file of [options.register, options.settings]) if (!existsSync(file)) throw new ConfigError(`no such file: ${file}`);
      const report = await dedupeCsv({
        register: options.register,
        out: options.out,
        settings: loadSettings(options.settings),
        estimate: options.parameters === 'estimate',
      });
      const { read, estimate, scan } = report.seconds;
      process.stderr.write(
        `${report.citizens} register entries: ${report.pairs.duplicate} duplicate pairs, ${report.pairs.review} pairs for review\n` +
          `read ${read.toFixed(2)} s, parameters ${estimate.toFixed(2)} s, scan ${scan.toFixed(2)} s\n`,
      );
    });
}
