import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A folder only its owner may enter (keys, passwords). */
export function privateFolder(path: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  return path;
}

/**
 * The file `dir/name` holding a random password, made once (mode 600, never overwritten);
 * `created` says whether this call made it. The password is never printed: callers hand the path.
 */
export function ensureSecretFile(dir: string, name: string): { path: string; created: boolean } {
  const path = join(privateFolder(dir), name);
  if (existsSync(path)) return { path, created: false };
  writeFileSync(path, randomBytes(24).toString('base64url'), { mode: 0o600, flag: 'wx' });
  return { path, created: true };
}

export function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').trim();
}
