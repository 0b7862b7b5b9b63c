import { existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { inMemoryLinkage, linkAll } from '../../shared/linkage/batch-linkage.js';
import { readPopulationCsv, readRecordsCsv, writeDecisionsCsv } from '../../shared/linkage-io/csv-io.js';
import { estimateParameters } from '../../shared/linkage/estimate.js';
import { DEFAULT_SETTINGS_FILE, loadSettings } from '../../shared/linkage/settings.js';

export function linkCsvCommand(): Command {
  return new Command('link-csv')
    .description('link sectoral records to a register snapshot offline (batch), one decision per record')
    .requiredOption('--population <file>', 'register: citizen_id,full_name,date_of_birth,sex,address[,personal_id]')
    .requiredOption('--records <file>', 'records: record_id,source,personal_id,full_name,date_of_birth,sex,address')
    .requiredOption('--out <file>', 'decisions: record_id,decision,citizen_id,score')
    .option('--settings <file>', 'linkage settings (comparisons, blocking rules, thresholds)', DEFAULT_SETTINGS_FILE)
    .addOption(
      new Option('--parameters <how>', "estimate m, u and the prior from these files first (no labels needed), or use the settings file's as committed")
        .choices(['estimate', 'committed'])
        .default('estimate'),
    )
    .action(async (options: { population: string; records: string; out: string; settings: string; parameters: 'estimate' | 'committed' }) => {
      for (const file of [options.population, options.records, options.settings]) if (!existsSync(file)) throw new Error(`no such file: ${file}`);
      const started = performance.now();
      const register = readPopulationCsv(options.population);
      const records = readRecordsCsv(options.records).map((r) => r.record);
      const read = performance.now();
      let settings = loadSettings(options.settings);
      if (options.parameters === 'estimate') settings = estimateParameters(settings, register, records).settings;
      const estimated = performance.now();
      const { engine, source } = inMemoryLinkage(settings, register);
      const decisions = await linkAll(engine, source, records);
      const linked = performance.now();
      writeDecisionsCsv(options.out, decisions);
      const count = (kind: string) => decisions.filter((d) => d.decision === kind).length;
      const seconds = (ms: number) => (ms / 1000).toFixed(2);
      process.stderr.write(
        `${records.length} records against ${register.length} citizens: ${count('LINK')} link, ${count('REVIEW')} review, ${count('NEW')} new\n` +
          `read ${seconds(read - started)} s, parameters ${seconds(estimated - read)} s, linking ${seconds(linked - estimated)} s ` +
          `(${Math.round(records.length / ((linked - estimated) / 1000))} records/s; ${Math.round(records.length / ((linked - started) / 1000))} records/s overall)\n`,
      );
    });
}
