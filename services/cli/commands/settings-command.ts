import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config.js';
import { parseSince, withKafka, withPool } from '../kafka-session.js';
import { requireFiles } from '../linkage-file-options.js';
import { SchemaRegistryClient } from '../../shared/kafka/registry.js';
import { loadSettings } from '../../shared/linkage/settings.js';
import { settingsVersion } from '../../shared/linkage/settings-version.js';
import type { ShadowExample, ShadowSide } from '../../shared/linkage/shadow-tally.js';
import { readObservations, shadowRun, type ShadowReport } from '../../shared/linkage-io/shadow-run.js';

const count = (n: number) => n.toLocaleString('en');
const share = (n: number, of: number) => (of === 0 ? '0%' : `${((100 * n) / of).toFixed(2)}%`);

function sideText(side: ShadowSide): string {
  const linked = side.citizenId ? ` citizen ${side.citizenId}` : '';
  const weights = side.explanation ? `; ${side.explanation.comparisons.map((c) => `${c.comparison} ${c.level} ${c.weight.toFixed(1)}`).join(', ')}` : '';
  return `${side.decision}${linked} (${side.reason}, ${(side.score * 100).toPrecision(4)}%${weights})`;
}

function exampleLines(example: ShadowExample): string[] {
  return [`    ${example.source} ${example.recordId}`, `      now:       ${sideText(example.current)}`, `      candidate: ${sideText(example.candidate)}`];
}

/** The report as an operator reads it: what would change, how often, and a few records of each change with both explanations. */
export function formatShadowReport(report: ShadowReport): string[] {
  const scored = report.compared - report.keptByStewards;
  const lines = [
    `settings ${report.currentVersion} (current) → ${report.candidateVersion} (candidate)`,
    `observations compared: ${count(report.compared)} of ${count(report.available)} on the topic; ${count(report.keptByStewards)} kept by a steward's decision`,
    `decisions that would change: ${count(report.changed)} (${share(report.changed, scored)})`,
  ];
  for (const change of report.changes) {
    lines.push(`  ${change.transition.padEnd(32)} ${count(change.count).padStart(9)}  ${share(change.count, scored)}`);
    for (const example of change.examples) lines.push(...exampleLines(example));
  }
  const unchanged = Object.entries(report.unchanged).map(([kind, n]) => `${kind} ${count(n)}`);
  lines.push(`unchanged: ${unchanged.join(', ') || 'none'}`, `took ${report.seconds.toFixed(1)} s; nothing was written`);
  return lines;
}

function shadowCommand(): Command {
  return new Command('shadow')
    .description(
      "replay stored observations through candidate settings against the register as it is, writing nothing, and report every decision that would change (from → to), with examples explained both ways; the current settings are the linker's (DANCU_LINKAGE_SETTINGS)",
    )
    .requiredOption('--candidate <file>', 'the settings file to try')
    .option('--since <when>', 'only observations since (ISO time, or 90m, 24h, 7d)')
    .addOption(new Option('--sample <n>', 'at most this many observations, drawn uniformly').argParser(positive))
    .addOption(new Option('--examples <n>', 'examples shown per kind of change').default(3).argParser(positive))
    .option('--json', 'print JSON')
    .action(async (options: { candidate: string; since?: string; sample?: number; examples: number; json?: boolean }) => {
      const config = loadConfig(process.env);
      requireFiles([options.candidate]);
      const current = loadSettings(config.DANCU_LINKAGE_SETTINGS);
      const candidate = loadSettings(options.candidate);
      const report = await withPool(config, 3, async (pool) => {
        const { observations, available } = await withKafka(config, 'dancu-settings-shadow', (kafka, admin, topics) =>
          readObservations(kafka, admin, new SchemaRegistryClient(config.DANCU_SCHEMA_REGISTRY_URL), topics.observations, {
            sinceMs: parseSince(options.since),
            sample: options.sample,
          }),
        );
        return shadowRun(pool, observations, current, candidate, { examples: options.examples, available });
      });
      console.log(options.json ? JSON.stringify(report, null, 2) : formatShadowReport(report).join('\n'));
    });
}

function positive(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('give a whole number above 0');
  return n;
}

export function settingsCommand(): Command {
  const settings = new Command('settings').description('linkage settings: their version, and what a change would do before it is made');
  settings.addCommand(
    new Command('version')
      .description('print the version (content hash) of a settings file, as decisions record it; without a file, the linker’s current settings')
      .argument('[file]', 'a settings file')
      .action((file: string | undefined) => {
        if (file) requireFiles([file]);
        console.log(settingsVersion(loadSettings(file ?? loadConfig(process.env).DANCU_LINKAGE_SETTINGS)));
      }),
  );
  settings.addCommand(shadowCommand());
  return settings;
}
