import { Command, Option } from 'commander';
import { loadConfig, type CliConfig } from '../config.js';
import { parseSince, requireRegistry, withKafka, withPool } from '../kafka-session.js';
import { requireFiles } from '../linkage-file-options.js';
import { wholeNumber } from '../number-options.js';
import { requireTopics } from '../required-topics.js';
import { loadSettings, type LinkageSettings } from '../../shared/linkage/settings.js';
import { currentObservations } from '../../shared/linkage/current-observations.js';
import { currentVersionOf, rollbackShadowSettings, rollbackTarget, type HistoryEntry } from '../../shared/linkage/settings-history.js';
import { checkComparable } from '../../shared/linkage-io/shadow-run.js';
import type { PersonObservation } from '../../shared/schemas/records.js';
import { topicsFor } from '../../shared/schemas/topics.js';
import type { Pool } from '../../shared/store/db.js';
import { recordSettingsChange, saveShadowRun } from '../../shared/store/settings-promotion.js';
import { currentSettingsVersion, settingsHistory, settingsOfVersion } from '../../shared/store/settings-versions.js';
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

const ACTOR = process.env.USER ?? 'operator';

/** The register's current settings (the linker decides with them); the file of DANCU_LINKAGE_SETTINGS before any is current. */
async function currentSettings(pool: Pool, file: string): Promise<{ version: string | null; settings: LinkageSettings }> {
  const version = await currentSettingsVersion(pool);
  return { version, settings: version ? await settingsOfVersion(pool, version) : loadSettings(file) };
}

interface ShadowOptions {
  since?: string;
  sample?: number;
  examples: number;
  /** Only each record's latest observation, and no deleted record: what a promotion or rollback may send back. */
  currentOnly?: boolean;
  onChange?: (observation: PersonObservation) => void;
}

/** Reads the stored observations and decides each with both settings against the register as it is. */
async function runShadow(config: CliConfig, pool: Pool, current: LinkageSettings, candidate: LinkageSettings, options: ShadowOptions): Promise<ShadowReport> {
  checkComparable(current, candidate);
  const registry = await requireRegistry(config.DANCU_SCHEMA_REGISTRY_URL);
  const { observations, available } = await withKafka(config, 'dancu-settings-shadow', async (kafka, admin, topics) => {
    // Promotions and rollbacks send their records back on the same topic, through the outbox.
    await requireTopics(admin, [topics.observations], 'the settings commands read the observations from it and send records back to the linker on it');
    return readObservations(kafka, admin, registry, topics.observations, {
      sinceMs: parseSince(options.since),
      sample: options.sample,
    });
  });
  const compared = options.currentOnly ? currentObservations(observations) : observations;
  return shadowRun(pool, compared, current, candidate, { examples: options.examples, available, onChange: options.onChange });
}

function shadowCommand(): Command {
  return new Command('shadow')
    .description(
      "replay stored observations through candidate settings against the register as it is, writing nothing (but the report with --save), and report every decision that would change (from → to), with examples explained both ways; the current settings are the register's (settings history)",
    )
    .requiredOption('--candidate <file>', 'the settings file to try')
    .option('--since <when>', 'only observations since (ISO time, or 90m, 24h, 7d)')
    .addOption(new Option('--sample <n>', 'at most this many observations, drawn uniformly').argParser(wholeNumber(1, Infinity, 'observations')))
    .addOption(new Option('--examples <n>', 'examples shown per kind of change').default(3).argParser(wholeNumber(1, Infinity, 'examples')))
    .option('--save', "keep the report in the register, for the review UI's settings page")
    .option('--json', 'print JSON')
    .action(async (options: { candidate: string; since?: string; sample?: number; examples: number; save?: boolean; json?: boolean }) => {
      const config = loadConfig(process.env);
      requireFiles([options.candidate]);
      const candidate = loadSettings(options.candidate);
      const { report, saved } = await withPool(config, 3, async (pool) => {
        const current = await currentSettings(pool, config.DANCU_LINKAGE_SETTINGS);
        const report = await runShadow(config, pool, current.settings, candidate, options);
        return { report, saved: options.save ? await saveShadowRun(pool, 'SHADOW', report, ACTOR) : null };
      });
      const lines = formatShadowReport(report);
      if (saved !== null) lines[lines.length - 1] = `took ${report.seconds.toFixed(1)} s; only the report was written (shadow run ${saved})`;
      console.log(options.json ? JSON.stringify({ ...report, savedAs: saved }, null, 2) : lines.join('\n'));
    });
}

/**
 * Promotion and rollback alike: the shadow run between the current settings and the next over
 * each record's current observation, then the change and the records whose decision changes sent
 * back, in one transaction. A rollback's shadow run weighs the target with the blocking rules the
 * register has keys for; the others are named, for `dancu reindex`.
 */
async function changeSettings(config: CliConfig, action: 'PROMOTE' | 'ROLLBACK', next: (pool: Pool) => Promise<LinkageSettings>, json: boolean): Promise<void> {
  const { report, result, unindexed } = await withPool(config, 3, async (pool) => {
    const current = await currentSettings(pool, config.DANCU_LINKAGE_SETTINGS);
    const candidate = await next(pool);
    const { shadowed, unindexed } = action === 'ROLLBACK' ? rollbackShadowSettings(current.settings, candidate) : { shadowed: candidate, unindexed: [] };
    const relinks: PersonObservation[] = [];
    const shadow = await runShadow(config, pool, current.settings, shadowed, { examples: 3, currentOnly: true, onChange: (o) => relinks.push(o) });
    const report = { ...shadow, candidateVersion: settingsVersion(candidate) };
    const observationsTopic = topicsFor(config.DANCU_TOPIC_NAMESPACE).observations;
    const result = await recordSettingsChange(pool, {
      action,
      settings: candidate,
      from: current.version ?? report.currentVersion,
      actor: ACTOR,
      report,
      relinks,
      observationsTopic,
    });
    return { report, result, unindexed };
  });
  if (json) {
    console.log(JSON.stringify({ ...report, ...result, unindexedRules: unindexed }, null, 2));
    return;
  }
  const lines = formatShadowReport(report).slice(0, -1);
  lines.push(
    `${action === 'PROMOTE' ? 'promoted' : 'rolled back'}: ${report.candidateVersion} is current (history ${result.historyId}, shadow run ${result.shadowRunId}); ${count(result.relinked)} record(s) sent back to the linker`,
  );
  if (unindexed.length > 0)
    lines.push(
      `blocking rule(s) ${unindexed.join(', ')} of ${report.candidateVersion} have no keys in the register: run \`dancu reindex\` so the linker finds candidates by them`,
    );
  console.log(lines.join('\n'));
}

/** One line per change; every change makes its version current, so the latest line is the current one (*). */
function historyLines(entries: HistoryEntry[]): string[] {
  if (entries.length === 0) return ['no settings version is current yet: the first linker to start makes its DANCU_LINKAGE_SETTINGS current'];
  return entries.map((entry, index) => {
    const marker = index === entries.length - 1 ? '*' : ' ';
    const from = entry.previous_version ? ` (from ${entry.previous_version})` : '';
    return `${marker} ${String(entry.id).padStart(4)}  ${entry.at}  ${entry.action.padEnd(9)} ${entry.version}${from}  by ${entry.actor}; ${count(entry.relinked)} sent back`;
  });
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
  settings.addCommand(
    new Command('promote')
      .description(
        "make a settings file current: validated as a shadow candidate, the shadow run over each record's latest stored observation (none of a deleted record), then the version made current (audited) and every record whose decision changes sent back to the linker; a link that would move, or that the new settings doubt, stays and goes to a steward",
      )
      .argument('<file>', 'the settings file')
      .option('--json', 'print JSON')
      .action(async (file: string, options: { json?: boolean }) => {
        requireFiles([file]);
        const settings = loadSettings(file);
        await changeSettings(loadConfig(process.env), 'PROMOTE', () => Promise.resolve(settings), options.json === true);
      }),
  );
  settings.addCommand(
    new Command('rollback')
      .description(
        'return to the settings version that was current before the current one, the same way as a promotion (shadow run, records sent back, audited), whatever blocking rules differ: a rule the register has no keys for is named for `dancu reindex`',
      )
      .option('--json', 'print JSON')
      .action(async (options: { json?: boolean }) => {
        await changeSettings(
          loadConfig(process.env),
          'ROLLBACK',
          async (pool) => settingsOfVersion(pool, rollbackTarget(await settingsHistory(pool)).to),
          options.json === true,
        );
      }),
  );
  settings.addCommand(
    new Command('history')
      .description('every change of the current settings: promotions, rollbacks and the first version, the current one marked *')
      .option('--json', 'print JSON')
      .action(async (options: { json?: boolean }) => {
        const entries = await withPool(loadConfig(process.env), 1, (pool) => settingsHistory(pool));
        const current = currentVersionOf(entries);
        console.log(options.json ? JSON.stringify({ current, entries }, null, 2) : historyLines(entries).join('\n'));
      }),
  );
  return settings;
}
