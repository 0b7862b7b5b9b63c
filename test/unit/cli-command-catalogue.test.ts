import { describe, expect, it } from 'vitest';
import { COMMANDS, commandNamed } from '../../services/cli/command-catalogue.js';
import { buildProgram } from '../../services/cli/main.js';

describe("the CLI's command catalogue", () => {
  it('loads, for every name it lists, a command of that name', async () => {
    const loaded = await Promise.all(COMMANDS.map(async ({ name, load }) => [name, (await load()).name()]));
    expect(loaded.filter(([name, actual]) => name !== actual)).toEqual([]);
  });

  it('lists each name once', () => {
    expect(new Set(COMMANDS.map((command) => command.name)).size).toBe(COMMANDS.length);
  });

  it('finds the command an argument list runs after the --demo option', () => {
    expect(commandNamed(['node', 'dancu', '--demo', 'citizen', '012345678901'])).toBe('citizen');
  });

  it('names no command for help, an unknown name or none, so that all are loaded', () => {
    expect([['help', 'lag'], ['nosuch'], ['--help'], []].map((args) => commandNamed(['node', 'dancu', ...args]))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('builds a program with only the command named', async () => {
    expect((await buildProgram('link-csv')).commands.map((command) => command.name())).toEqual(['link-csv']);
  });

  it('builds a program with every command in the catalogue order when none is named', async () => {
    expect((await buildProgram()).commands.map((command) => command.name())).toEqual(COMMANDS.map((command) => command.name));
  });
});
