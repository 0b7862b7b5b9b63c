import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Command } from 'commander';
import { buildProgram, failureLine, main } from '../../services/cli/main.js';
import { RegisterBusyError, UnavailableError } from '../../services/shared/errors.js';
import { numberBetween, wholeNumber } from '../../services/cli/number-options.js';

/** What the CLI wrote on stderr, the writes kept from the terminal. */
let stderr: MockInstance<typeof process.stderr.write>;
const written = () => stderr.mock.calls.map(([text]) => String(text)).join('');

beforeEach(() => {
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  stderr.mockRestore();
});

/** The command at `path` in a fresh program, its action replaced so that parsing never runs it. */
async function withoutAction(path: string[]): Promise<{ program: Command; action: ReturnType<typeof vi.fn> }> {
  const program = await buildProgram();
  let command = program;
  for (const name of path) command = command.commands.find((c) => c.name() === name)!;
  const action = vi.fn();
  command.action(action);
  return { program, action };
}

describe("the CLI's usage errors", () => {
  it("exits 2 for a subcommand's unknown option, as for the program's", async () => {
    expect(await main(['node', 'dancu', 'lag', '--bogus'])).toBe(2);
  });

  it('says an unknown option in one line that names where the usage is', async () => {
    await main(['node', 'dancu', 'lag', '--bogus']);
    expect(written()).toBe("error: unknown option '--bogus' (see `dancu lag --help`)\n");
  });

  it('says an unknown command in one line instead of the whole help', async () => {
    await main(['node', 'dancu', 'nosuch']);
    expect(written()).toBe("error: unknown command 'nosuch' (see `dancu --help`)\n");
  });

  it("names a nested command's usage in its one line", async () => {
    await main(['node', 'dancu', 'duplicates', 'merge', 'a', 'b']);
    expect(written()).toMatch(/^error: required option '--comment <text>' not specified \(see `dancu duplicates merge --help`\)\n$/);
  });

  it('refuses a negative demo population before the demo starts the stack', async () => {
    const { program, action } = await withoutAction(['demo']);
    await expect(program.parseAsync(['node', 'dancu', 'demo', '--population', '-5'])).rejects.toThrow(/a whole number of citizens 1 or more/);
    expect(action).not.toHaveBeenCalled();
  });

  it('refuses a synthetic register size that is not a number', async () => {
    const { program, action } = await withoutAction(['synth']);
    await expect(program.parseAsync(['node', 'dancu', 'synth', '--population', 'abc', '--out', 'x'])).rejects.toThrow(/--population/);
    expect(action).not.toHaveBeenCalled();
  });

  it('refuses a lag watch interval that is not a number, which would print without pause', async () => {
    const { program, action } = await withoutAction(['lag']);
    await expect(program.parseAsync(['node', 'dancu', 'lag', '--watch', 'abc'])).rejects.toThrow(/a whole number of seconds 1 or more/);
    expect(action).not.toHaveBeenCalled();
  });

  it('refuses a merge id that is not a number before any SQL sees it', async () => {
    const { program, action } = await withoutAction(['duplicates', 'undo']);
    await expect(program.parseAsync(['node', 'dancu', 'duplicates', 'undo', 'abc', '--comment', 'why'])).rejects.toThrow(/merge-id/);
    expect(action).not.toHaveBeenCalled();
  });
});

describe('whole-number options', () => {
  const rows = wholeNumber(1, Infinity, 'rows');

  it('reads a whole number in range', () => {
    expect(rows('50')).toBe(50);
  });

  it.each(['abc', '', '-1', '0', '2.5'])('refuses %j', (value) => {
    expect(() => rows(value)).toThrow('a whole number of rows 1 or more');
  });

  it('names both ends of a bounded range', () => {
    expect(() => wholeNumber(1, 64, 'threads')('65')).toThrow('a whole number of threads from 1 to 64');
  });
});

describe('number options', () => {
  const share = numberBetween(0, 1);

  it('reads a fraction in range', () => {
    expect(share('0.25')).toBe(0.25);
  });

  it('refuses a share above one', () => {
    expect(() => share('2')).toThrow('a number from 0 to 1');
  });
});

describe("a failed command's last line", () => {
  it('asks to run it again when the register was busy with the same rows every time it ran', () => {
    expect(failureLine(new RegisterBusyError(4, new Error('deadlock detected')))).toBe(
      'dancu: the register was changing the same rows each of the 4 times this ran; nothing was changed: run it again',
    );
  });

  it('does not ask to run it again for another failure, retriable or not', () => {
    expect([failureLine(new UnavailableError('PostgreSQL', new Error('deadlock detected'))), failureLine(new Error('deadlock detected'))]).toEqual([
      'dancu: PostgreSQL is unavailable: deadlock detected',
      'dancu: deadlock detected',
    ]);
  });
});
