import { Command, CommanderError } from 'commander';
import { aclCommand } from './commands/acl-command.js';
import { backupCommand, restoreCommand } from './commands/backup-command.js';
import { blockingCommand } from './commands/blocking-command.js';
import { citizenCommand } from './commands/citizen-command.js';
import { dedupeCsvCommand } from './commands/dedupe-csv-command.js';
import { demoCommand } from './commands/demo-command.js';
import { dlqCommand } from './commands/dlq-command.js';
import { lagCommand } from './commands/lag-command.js';
import { linkCsvCommand } from './commands/link-csv-command.js';
import { loadPopulationCommand } from './commands/load-population-command.js';
import { migrateCommand } from './commands/migrate-command.js';
import { publishCommand } from './commands/publish-command.js';
import { qualityCommand } from './commands/quality-command.js';
import { reindexCommand } from './commands/reindex-command.js';
import { runCommand } from './commands/run-command.js';
import { stackCommand } from './commands/stack-command.js';
import { connectCommand } from './commands/connect-command.js';
import { synthCommand } from './commands/synth-command.js';
import { trainCommand } from './commands/train-command.js';
import { unlinkedCommand } from './commands/unlinked-command.js';
import { duplicatesCommand } from './commands/duplicates-command.js';
import { stewardCommand } from './commands/steward-command.js';
import { settingsCommand } from './commands/settings-command.js';
import { DEMO_RUN_FILE, readDemoRun } from './demo-run-file.js';
import { resolveRunEnv } from './run-settings.js';

export function buildProgram(): Command {
  const program = new Command('dancu')
    .description('dancu: keeps the population register correct, complete, clean and live')
    .option('--demo', "look at the last demo's run: its database, topics and consumer groups (from .dancu/demo-run.json, which `dancu demo` writes)");
  // Before any command reads its configuration: with --demo, the demo run's settings become the
  // process's environment, so commands, the services `run` starts and their children all see them.
  program.hook('preAction', (_program, command) => {
    const demo = command.optsWithGlobals<{ demo?: boolean }>().demo === true;
    if (demo) Object.assign(process.env, resolveRunEnv(process.env, { demo, demoRun: readDemoRun(), file: DEMO_RUN_FILE }));
  });
  for (const command of [
    stackCommand(),
    connectCommand(),
    migrateCommand(),
    loadPopulationCommand(),
    publishCommand(),
    runCommand(),
    citizenCommand(),
    demoCommand(),
    linkCsvCommand(),
    blockingCommand(),
    dedupeCsvCommand(),
    trainCommand(),
    synthCommand(),
    reindexCommand(),
    backupCommand(),
    restoreCommand(),
    settingsCommand(),
    dlqCommand(),
    qualityCommand(),
    unlinkedCommand(),
    duplicatesCommand(),
    stewardCommand(),
    lagCommand(),
    aclCommand(),
  ]) {
    program.addCommand(command);
  }
  oneLineUsageErrors(program, program.name());
  return program;
}

/**
 * Every command's usage errors as the program's own: thrown to `main` (exit 2) instead of each
 * subcommand exiting by itself (exit 1), and one line that names where the usage is, instead of
 * the whole help after it.
 */
function oneLineUsageErrors(command: Command, path: string): void {
  command.exitOverride().configureOutput({
    outputError: (text, write) => write(`${text.trim().replace(/\s*\n\s*/g, ' ')} (see \`${path} --help\`)\n`),
  });
  for (const subcommand of command.commands) oneLineUsageErrors(subcommand, `${path} ${subcommand.name()}`);
}

/** Runs the CLI; returns the exit code. Usage errors exit 2, failures 1. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    console.error(`dancu: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
