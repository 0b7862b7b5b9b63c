import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { withPool } from '../kafka-session.js';
import { asOfOption, requireFiles, requireFolderOf } from '../linkage-file-options.js';
import { ConfigError } from '../../shared/errors.js';
import { nothingToEstimateFrom, readPopulationCsv, readRecordsCsv } from '../../shared/linkage-io/csv-io.js';
import { estimateParameters } from '../../shared/linkage/estimate.js';
import { trainFromLabels, type LabelMetrics, type LabelTrainingReport } from '../../shared/linkage/label-training.js';
import { loadTermFrequencies } from '../../shared/linkage-io/postgres-candidates.js';
import { DEFAULT_SETTINGS_FILE, loadSettings, saveSettings } from '../../shared/linkage/settings.js';
import { decidedPairs } from '../../shared/review/review-labels.js';

/** Below this many labelled pairs, m and u from the labels are mostly the smoothing's prior. */
const FEW_LABELS = 200;

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}

function line(name: string, m: LabelMetrics): string {
  return `${name.padEnd(22)} precision ${percent(m.precision).padStart(6)}  recall ${percent(m.recall).padStart(6)}  (${m.truePositives} of ${m.matches} same-person pairs linked, ${m.falsePositives} different-people pairs linked, ${m.toReview} to review)`;
}

function printLabelReport(report: LabelTrainingReport, thresholds: { link_probability: number; review_probability: number }): void {
  console.log(
    `${report.current.pairs} labelled pairs from stewards' decisions (${report.current.matches} same person, ${report.current.pairs - report.current.matches} different people)`,
  );
  console.log(line('current settings', report.current));
  console.log(line('m and u from labels', report.retrained));
  console.log(
    `link threshold    now ${thresholds.link_probability}; lowest that links no labelled non-match: ${report.suggestedLinkProbability?.toPrecision(6) ?? 'n/a'}`,
  );
  console.log(
    `review threshold  now ${thresholds.review_probability}; highest that still reviews every labelled match: ${report.suggestedReviewProbability?.toPrecision(6) ?? 'n/a'}`,
  );
  if (report.current.pairs < FEW_LABELS)
    console.log(
      `only ${report.current.pairs} labelled pairs: too few to re-estimate m and u (each level needs dozens); read the figures below as a check, not as settings to adopt`,
    );
  console.log('comparison level                      m now      m labels   u now      u labels');
  for (const level of report.levels) {
    const fmt = (v: number | null | undefined) => `${(v === null || v === undefined ? '-' : v.toPrecision(3)).padEnd(10)} `;
    console.log(`${`${level.comparison}: ${level.level}`.padEnd(38)}${fmt(level.m)}${fmt(level.mFromLabels)}${fmt(level.u)}${fmt(level.uFromLabels)}`);
  }
}

export function trainCommand(): Command {
  return new Command('train')
    .description(
      "estimate m (EM), u (random pairs) and the prior from a register snapshot and a sample of records; or, with --from-reviews, measure and re-estimate them on the stewards' decisions; writes the trained settings to --out (without it: the committed settings file; with --from-reviews: nothing)",
    )
    .option('--population <file>', 'register snapshot CSV (as load-population and link-csv read it)')
    .option('--records <file>', 'sample of records CSV (as link-csv reads it)')
    .option('--from-reviews', 'use the decided review cases in the database as labels: report precision and recall on them, suggest thresholds')
    .option('--settings <file>', 'settings to start from', DEFAULT_SETTINGS_FILE)
    .option('--out <file>', 'where to write the trained settings (default: the committed settings file; with --from-reviews nothing is written without it)')
    .option('--json', 'print the --from-reviews report as JSON')
    .addOption(asOfOption())
    .action(async (options: { population?: string; records?: string; fromReviews?: boolean; settings: string; out?: string; json?: boolean; asOf: string }) => {
      requireFiles([options.settings]);
      if (options.out) requireFolderOf(options.out);
      const settings = loadSettings(options.settings);
      if (options.fromReviews) {
        const config = loadConfig(process.env);
        const { pairs, frequencies } = await withPool(config, 2, async (pool) => ({
          pairs: await decidedPairs(pool),
          frequencies: await loadTermFrequencies(pool, settings),
        }));
        if (pairs.length === 0) throw new Error('no decided review cases to learn from yet');
        const trained = trainFromLabels(settings, frequencies, pairs, options.asOf);
        if (options.json) console.log(JSON.stringify(trained.report, null, 2));
        else printLabelReport(trained.report, settings.thresholds);
        if (options.out) {
          saveSettings(trained.settings, options.out);
          console.log(`settings with m and u from the labels written to ${options.out} (thresholds unchanged: set them from the suggestions above)`);
        }
        return;
      }
      if (!options.population || !options.records) throw new ConfigError('--population and --records are needed (or --from-reviews)');
      requireFiles([options.population, options.records]);
      const out = options.out ?? DEFAULT_SETTINGS_FILE;
      const register = readPopulationCsv(options.population);
      const records = readRecordsCsv(options.records).map((r) => r.record);
      if (register.length === 0) throw nothingToEstimateFrom(options.population);
      if (records.length === 0) throw nothingToEstimateFrom(options.records);
      const { settings: estimated, report } = estimateParameters(settings, register, records, { asOf: options.asOf });
      saveSettings(estimated, out);
      console.log(
        `trained on ${report.records} records × ${report.register} citizens (${report.blocked_pairs} blocked pairs, ${report.random_pairs} random pairs, EM ${report.em_iterations} iterations${report.em_converged ? '' : ', not converged'})`,
      );
      const bands = estimated.prior_by_age.map((band) => `, of ${band.name} ${band.probability_record_in_register}`).join('');
      console.log(`share of records in the register ${estimated.probability_record_in_register}${bands} (ages counted to ${options.asOf}); written to ${out}`);
    });
}
