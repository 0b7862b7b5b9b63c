import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Command, Option } from 'commander';
import type { EstimateSpread } from '../../shared/linkage/estimate.js';
import type { TrainingReport } from '../../shared/linkage/training.js';
import { linkCsv, type LinkCsvProgress, type LinkCsvReport } from '../../shared/linkage-io/link-csv.js';
import { loadSettings } from '../../shared/linkage/settings.js';
import { asOfOption, genericLine, parametersOption, requireFiles, requireFolderOf, settingsOption } from '../linkage-file-options.js';
import { wholeNumber } from '../number-options.js';

function spreadLines(spread: EstimateSpread, recordsInFile: number): string {
  const { all, halves } = spread.inRegister;
  const sampled = recordsInFile > spread.records ? `a sample of ${spread.records} of the ${recordsInFile} records` : `all ${spread.records} records`;
  return (
    `parameters estimated from ${sampled}; difference between two halves of it (the estimate's standard error is about half):\n` +
    `  prior (records in the register) ${all.toFixed(4)}: halves ${halves[0].toFixed(4)} and ${halves[1].toFixed(4)}\n` +
    spread.ageBands
      .map(
        (band) =>
          `  prior of ${band.name} (ages counted to ${spread.asOf ?? 'no day'}) ${band.all.toFixed(4)}: halves ${band.halves[0].toFixed(4)} and ${band.halves[1].toFixed(4)}\n`,
      )
      .join('') +
    spread.comparisons
      .map((c) => `  ${c.comparison}: m ${c.m.toFixed(4)}, u ${c.u.toPrecision(2)}, weight ${c.weightBits.toFixed(2)} bits (largest over its levels)\n`)
      .join('')
  );
}

/** A line when an EM of the estimation stopped short of its fixed point: its estimates may be off, and committed parameters are the way round. */
export function convergenceLine(trained: Pick<TrainingReport, 'em_converged'>): string {
  return trained.em_converged
    ? ''
    : "EM did not converge (m over the training sessions, or the share of records in the register): the estimates may be off; --parameters committed links with the settings' own\n";
}

/** One stderr line per phase and per 100,000 records linked, so a run of millions shows where it is. */
function progressLine(progress: LinkCsvProgress): string {
  const at = `[${progress.seconds.toFixed(0)} s]`;
  const count = (n: number) => n.toLocaleString('en');
  if (progress.phase === 'read') return `${at} reading the register\n`;
  if (progress.phase === 'estimate') return `${at} ${count(progress.citizens)} citizens read; estimating m, u and the prior from a sample of the records\n`;
  if (progress.records === 0) return `${at} linking the records against ${count(progress.citizens)} citizens\n`;
  return `${at} ${count(progress.records)} records linked\n`;
}

/** Records linked without a date of birth or sex they hold that cannot be read: how many, by column, the first by row (never the value). */
function unreadableLines({ records, byColumn, told }: LinkCsvReport['unreadable']): string {
  if (records === 0) return '';
  return (
    `${records} records linked without a field that cannot be read (date_of_birth ${byColumn.date_of_birth}, sex ${byColumn.sex}):\n` +
    told.map((line) => `  ${line}\n`).join('')
  );
}

function summary(report: LinkCsvReport): string {
  const { read, estimate, link } = report.seconds;
  const total = read + estimate + link;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  return (
    `${report.records} records against ${report.citizens} citizens: ${report.decisions.LINK} link, ${report.decisions.REVIEW} review, ${report.decisions.NEW} new\n` +
    `read ${read.toFixed(2)} s, parameters ${estimate.toFixed(2)} s, linking ${link.toFixed(2)} s ` +
    `(${Math.round(report.records / link)} records/s; ${Math.round(report.records / total)} records/s overall), peak RSS ${Math.round(peakMb)} MB\n` +
    `candidates per record: mean ${report.candidates.mean.toFixed(1)}, p50 ${report.candidates.p50}, p99 ${report.candidates.p99}, max ${report.candidates.max}\n` +
    genericLine(report.genericLookups) +
    unreadableLines(report.unreadable)
  );
}

/** Linking threads by default: one per core, up to four (each holds its own copy of the register's strings). */
const DEFAULT_THREADS = Math.min(availableParallelism(), 4);
const MAX_THREADS = 64;
const HEAP_GROWING_PERCENT = 50;

export function linkCsvCommand(): Command {
  return new Command('link-csv')
    .description('link sectoral records to a register snapshot offline (batch), one decision per record')
    .requiredOption(
      '--population <file>',
      'register: citizen_id,full_name,date_of_birth,sex,address[,personal_id]; refused whole, as by load-population, when a date_of_birth or sex cannot be read (its rows told by number, the header row 1)',
    )
    .requiredOption(
      '--records <file>',
      'records: record_id,source,personal_id,full_name,date_of_birth,sex,address[,office_area]; a record whose date_of_birth or sex cannot be read is linked without it, counted and told by row (the header row 1) on stderr',
    )
    .requiredOption('--out <file>', 'decisions: record_id,decision,citizen_id,score')
    .addOption(settingsOption())
    .addOption(parametersOption('these files'))
    .addOption(asOfOption())
    .addOption(
      new Option(
        '--threads <n>',
        "threads that link the records, sharing one copy of the register (1: on the main thread; above 1, the register's addresses are also worked out on a thread of their own while it is read)",
      )
        .argParser(wholeNumber(1, MAX_THREADS, 'threads'))
        .default(DEFAULT_THREADS),
    )
    .action(
      async (options: {
        population: string;
        records: string;
        out: string;
        settings: string;
        parameters: 'estimate' | 'committed';
        threads: number;
        asOf: string;
      }) => {
        requireFiles([options.population, options.records, options.settings]);
        requireFolderOf(options.out);
        // Each linking thread's heap, left to V8's default growth, held about three times its live
        // objects between collections (a run of 1 M x 100 k on two threads peaked at 1.6 GB); a heap
        // grown by half its live size at most costs a little more collection and about 400 MB less.
        // Set here, not on node's command line: NODE_OPTIONS and a worker's execArgv refuse V8 flags.
        // V8 reads it at each collection and Node leaves flags settable after start; a V8 without
        // the flag would print "unrecognized flag" on stderr (a Node upgrade must check this).
        setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
        const report = await linkCsv({
          ...options,
          settings: loadSettings(options.settings),
          estimate: options.parameters === 'estimate',
          progress: (progress) => process.stderr.write(progressLine(progress)),
        });
        if (report.estimation) {
          const { spread, report: trained } = report.estimation;
          process.stderr.write(spreadLines(spread, trained.records_in_file ?? trained.records) + convergenceLine(trained));
        }
        process.stderr.write(summary(report));
      },
    );
}
