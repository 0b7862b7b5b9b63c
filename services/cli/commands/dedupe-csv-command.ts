import { Command } from 'commander';
import { dedupeCsv } from '../../shared/linkage-io/dedupe-csv.js';
import { loadSettings } from '../../shared/linkage/settings.js';
import { genericLine, parametersOption, requireFiles, requireFolderOf, settingsOption } from '../linkage-file-options.js';

export function dedupeCsvCommand(): Command {
  return new Command('dedupe-csv')
    .description("find the people a register holds twice, offline (batch): the duplicate scan's contract on a file")
    .requiredOption('--register <file>', 'register: citizen_id,full_name,date_of_birth,sex,address[,personal_id] (as for load-population)')
    .requiredOption('--out <file>', 'pairs: citizen_id_a,citizen_id_b,decision,score (decision: duplicate or review)')
    .addOption(settingsOption())
    .addOption(parametersOption('the register'))
    .action(async (options: { register: string; out: string; settings: string; parameters: 'estimate' | 'committed' }) => {
      requireFiles([options.register, options.settings]);
      requireFolderOf(options.out);
      const report = await dedupeCsv({
        register: options.register,
        out: options.out,
        settings: loadSettings(options.settings),
        estimate: options.parameters === 'estimate',
      });
      const { read, estimate, scan } = report.seconds;
      process.stderr.write(
        `${report.citizens} register entries: ${report.pairs.duplicate} duplicate pairs, ${report.pairs.review} pairs for review\n` +
          `read ${read.toFixed(2)} s, parameters ${estimate.toFixed(2)} s, scan ${scan.toFixed(2)} s\n` +
          genericLine(report.generic),
      );
    });
}
