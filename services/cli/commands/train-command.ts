import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { readPopulationCsv, readRecordsCsv } from '../../shared/linkage/csv-io.js';
import { estimateParameters } from '../../shared/linkage/estimate.js';
import { DEFAULT_SETTINGS_FILE, loadSettings, saveSettings } from '../../shared/linkage/settings.js';

export function trainCommand(): Command {
  return new Command('train')
    .description('estimate m (EM), u (random pairs) and the prior from a register snapshot and a sample of records; write the settings')
    .requiredOption('--population <file>', 'register snapshot CSV (as load-population and link-csv read it)')
    .requiredOption('--records <file>', 'sample of records CSV (as link-csv reads it)')
    .option('--settings <file>', 'settings to start from', DEFAULT_SETTINGS_FILE)
    .option('--out <file>', 'where to write the trained settings', DEFAULT_SETTINGS_FILE)
    .action((options: { population: string; records: string; settings: string; out: string }) => {
      for (const file of [options.population, options.records, options.settings]) if (!existsSync(file)) throw new Error(`no such file: ${file}`);
      const { settings, report } = estimateParameters(loadSettings(options.settings), readPopulationCsv(options.population), readRecordsCsv(options.records).map((r) => r.record));
      saveSettings(settings, options.out);
      console.log(`trained on ${report.records} records × ${report.register} citizens (${report.blocked_pairs} blocked pairs, ${report.random_pairs} random pairs, EM ${report.em_iterations} iterations${report.em_converged ? '' : ', not converged'})`);
      console.log(`share of records in the register ${settings.probability_record_in_register}; written to ${options.out}`);
    });
}
