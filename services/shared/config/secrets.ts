import { readFileSync } from 'node:fs';
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
