import type { Command } from 'commander';

/**
 * Every command of the CLI, in the order `dancu --help` lists them, each loaded only when asked
 * for: all of them together take about a second to load (Kafka clients, the web server, the
 * password dictionaries), which a command such as `link-csv` or `load-population` paid at start
 * for nothing.
 */
export const COMMANDS: readonly { name: string; load: () => Promise<Command> }[] = [
  { name: 'stack', load: async () => (await import('./commands/stack-command.js')).stackCommand() },
  { name: 'connect', load: async () => (await import('./commands/connect-command.js')).connectCommand() },
  { name: 'migrate', load: async () => (await import('./commands/migrate-command.js')).migrateCommand() },
  { name: 'load-population', load: async () => (await import('./commands/load-population-command.js')).loadPopulationCommand() },
  { name: 'publish', load: async () => (await import('./commands/publish-command.js')).publishCommand() },
  { name: 'run', load: async () => (await import('./commands/run-command.js')).runCommand() },
  { name: 'citizen', load: async () => (await import('./commands/citizen-command.js')).citizenCommand() },
  { name: 'demo', load: async () => (await import('./commands/demo-command.js')).demoCommand() },
  { name: 'link-csv', load: async () => (await import('./commands/link-csv-command.js')).linkCsvCommand() },
  { name: 'blocking', load: async () => (await import('./commands/blocking-command.js')).blockingCommand() },
  { name: 'dedupe-csv', load: async () => (await import('./commands/dedupe-csv-command.js')).dedupeCsvCommand() },
  { name: 'train', load: async () => (await import('./commands/train-command.js')).trainCommand() },
  { name: 'synth', load: async () => (await import('./commands/synth-command.js')).synthCommand() },
  { name: 'reindex', load: async () => (await import('./commands/reindex-command.js')).reindexCommand() },
  { name: 'backup', load: async () => (await import('./commands/backup-command.js')).backupCommand() },
  { name: 'restore', load: async () => (await import('./commands/backup-command.js')).restoreCommand() },
  { name: 'settings', load: async () => (await import('./commands/settings-command.js')).settingsCommand() },
  { name: 'dlq', load: async () => (await import('./commands/dlq-command.js')).dlqCommand() },
  { name: 'quality', load: async () => (await import('./commands/quality-command.js')).qualityCommand() },
  { name: 'unlinked', load: async () => (await import('./commands/unlinked-command.js')).unlinkedCommand() },
  { name: 'duplicates', load: async () => (await import('./commands/duplicates-command.js')).duplicatesCommand() },
  { name: 'steward', load: async () => (await import('./commands/steward-command.js')).stewardCommand() },
  { name: 'lag', load: async () => (await import('./commands/lag-command.js')).lagCommand() },
  { name: 'acl', load: async () => (await import('./commands/acl-command.js')).aclCommand() },
];

/**
 * The command an argument list runs: its first argument after the program that is not an option
 * (the program's only option, --demo, takes no value); undefined when that names no command (help,
 * a mistyped name, none), which needs them all.
 */
export function commandNamed(argv: readonly string[]): string | undefined {
  const name = argv.slice(2).find((argument) => !argument.startsWith('-'));
  return COMMANDS.some((command) => command.name === name) ? name : undefined;
}
