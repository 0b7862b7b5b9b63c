import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found by walking up to dancu's package.json. Code runs both from
 * services/ (tests) and from dist/services/ (the CLI), so a fixed relative path would be wrong
 * in one of the two.
 */
function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'dancu') {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`dancu's package.json not found above ${start}`);
    dir = parent;
  }
}

export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
export const SCHEMAS_DIR = join(REPO_ROOT, 'schemas');
export const MIGRATIONS_DIR = join(REPO_ROOT, 'services', 'shared', 'store', 'migrations');
export const STACK_POM = join(REPO_ROOT, 'stack', 'pom.xml');
export const CONNECT_POM = join(REPO_ROOT, 'stack', 'connect', 'pom.xml');
export const SECTOR_SQL_DIR = join(REPO_ROOT, 'stack');
