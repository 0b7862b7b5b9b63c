import { Command } from 'commander';
import type { EstimateSpread } from '../../shared/linkage/estimate.js';
import { linkCsv, type LinkCsvReport } from '../../shared/linkage-io/link-csv.js';
import { loadSettings } from '../../shared/linkage/settings.js';
import { parametersOption, requireFiles, settingsOption } from '../linkage-file-options.js';

function spreadLines(spread: EstimateSpread, recordsInFile: number): string {
  const { all, halves } = spread.inRegister;
  const sampled = recordsInFile > spread.records ? `a sample of ${spread.records} of the ${recordsInFile} records` : `all ${spread.records} records`;
  return (
    `parameters estimated from ${sampled}; difference between two halves of it (the estimate's standard error is about half):\n` +
    `  prior (records in the register) ${all.toFixed(4)}: halves ${halves[0].toFixed(4)} and ${halves[1].toFixed(4)}\n` +
    spread.comparisons
      .map((c) => `  ${c.comparison}: m ${c.m.toFixed(4)}, u ${c.u.toPrecision(2)}, weight ${c.weightBits.toFixed(2)} bits (largest over its levels)\n`)
      .join('')
  );
}

function summary(report: LinkCsvReport): string {
  const { read, estimate, link } = report.seconds;
  const total = read + estimate + link;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  return (
    `${report.records} records against ${report.citizens} citizens: ${report.decisions.LINK} link, ${report.decisions.REVIEW} review, ${report.decisions.NEW} new\n` +
    `read ${read.toFixed(2)} s, parameters ${estimate.toFixed(2)} s, linking ${link.toFixed(2)} s ` +
    `(${Math.round(report.records / link)} records/s; ${Math.round(report.records / total)} records/s overall), peak RSS ${Math.round(peakMb)} MB\n`
  );
}

export function linkCsvCommand(): Command {
  return new Command('link-csv')
    .description('link sectoral records to a register snapshot offline (batch), one decision per record')
    .requiredOption('--population <file>', 'register: citizen_id,full_name,date_of_birth,sex,address[,personal_id]')
    .requiredOption('--records <file>', 'records: record_id,source,personal_id,full_name,date_of_birth,sex,address')
    .requiredOption('--out <file>', 'decisions: record_id,decision,citizen_id,score')
    .addOption(settingsOption())
    .addOption(parametersOption('these files'))
    .action(async (options: { population: string; records: string; out: string; settings: string; parameters: 'estimate' | 'committed' }) => {
      requireFiles([options.population, options.records, options.settings]);
      const report = await linkCsv({ ...options, settings: loadSettings(options.settings), estimate: options.parameters === 'estimate' });
      if (report.estimation)
        process.stderr.write(spreadLines(report.estimation.spread, report.estimation.report.records_in_file ?? report.estimation.report.records));
      process.stderr.write(summary(report));
    });
}
