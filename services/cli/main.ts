import { Command, CommanderError } from 'commander';
import { DancuError } from '../shared/errors.js';
import { COMMANDS, commandNamed } from './command-catalogue.js';
import { DEMO_RUN_FILE, readDemoRun } from './demo-run-file.js';
import { resolveRunEnv } from './run-settings.js';

/** The program with every command, or with only the one named (`commandNamed`): loading them all takes about a second. */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('dancu')
    .description('dancu: keeps the population register correct, complete, clean and live')
    .option('--demo', "look at the last demo's run: its database, topics and consumer groups (from .dancu/demo-run.json, which `dancu demo` writes)");
  // Before any command reads its configuration: with --demo, the demo run's settings become the
  // process's environment, so commands, the services `run` starts and their children all see them.
  program.hook('preAction', (_program, command) => {
    const demo = command.optsWithGlobals<{ demo?: boolean }>().demo === true;
    if (demo) Object.assign(process.env, resolveRunEnv(process.env, { demo, demoRun: readDemoRun(), file: DEMO_RUN_FILE }));
  });
  const wanted = only === undefined ? COMMANDS : COMMANDS.filter((command) => command.name === only);
  for (const command of await Promise.all(wanted.map((entry) => entry.load()))) program.addCommand(command);
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
  const program = await buildProgram(commandNamed(argv));
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : 2;
    }
    console.error(failureLine(error));
    return 1;
  }
}

/**
 * The one line a failed command ends with. A person's transaction aborted for another's sake each
 * time it ran (store/db.ts, inRetriedTransaction) says so, and to run it again.
 */
export function failureLine(error: unknown): string {
  const again = error instanceof DancuError && error.code === 'REGISTER_BUSY' ? ': run it again' : '';
  return `dancu: ${error instanceof Error ? error.message : String(error)}${again}`;
}
