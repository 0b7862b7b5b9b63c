import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/** Every problem zod found, in one line: `path: message; …`. */
export function zodProblems(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ');
}

/** Why a file could not be read, in words: the usual cases named, any other by its code. */
function unreadable(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'does not exist';
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'EACCES') return 'may not be read by this user';
  return `cannot be read (${typeof code === 'string' ? code : String(error)})`;
}

/**
 * A JSON file's content, or one ConfigError naming what the file is, the file, where it was given
 * (`givenBy`: the option or variable, when the operator may not know) and what is wrong: missing,
 * a folder, not JSON. Checking its content is the caller's.
 */
export function readJsonFile(file: string, what: string, givenBy?: string): unknown {
  const named = `${what} ${file}${givenBy === undefined ? '' : ` (${givenBy})`}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${named} ${unreadable(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(`${named} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}
