import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * A secret from the environment: `NAME` itself, or the contents of the file `NAME_FILE` names
 * (Docker and Kubernetes secrets are files; a trailing newline is not part of the secret).
 * Undefined when neither is set. The value is never part of an error message.
 */
export function readSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new ConfigError(`${name}_FILE names a file that cannot be read (${file}): point it at the secret's file`);
  }
}

/**
 * A login's password from a folder holding one file per login, named after it (what `stack up
 * --secure` writes; a mounted secrets folder). Undefined when no folder is set; a folder without
 * the login's file is an error naming `variable`, never a quiet fall back to another login.
 */
export function secretInFolder(env: NodeJS.ProcessEnv, variable: string, login: string): string | undefined {
  const folder = env[variable];
  if (folder === undefined || folder === '') return undefined;
  const file = join(folder, login);
  if (!existsSync(file)) throw new ConfigError(`${variable} holds no password for ${login} (${file})`);
  return readSecret({ PASSWORD_FILE: file }, 'PASSWORD');
}
