import { spawn } from 'node:child_process';
import { DancuError } from '../../shared/errors.js';
import { postgresTool } from '../stack/postgres-cluster.js';

/**
 * A connection for a PostgreSQL program: the URL without its password (a command line is
 * visible to every user of the machine in `ps`), the password in the child's environment.
 */
export function connectionFor(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password !== '') env.PGPASSWORD = password;
  return { dbname: url.toString(), env };
}

/** The last thing a program said on stderr, on one line: what went wrong, in its words. */
export function lastComplaint(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return (lines.findLast((line) => /error|fatal|could not/i.test(line)) ?? lines.at(-1) ?? 'no message').replace(/^(pg_dump|pg_restore): /, '');
}

/**
 * Runs pg_dump or pg_restore (the machine's newest, as the stack's cluster is run with) against
 * a database; fails with its own last complaint on one line. Its progress on stderr is kept, not
 * shown: it names tables, never rows.
 */
export async function runPgTool(name: 'pg_dump' | 'pg_restore', args: string[], databaseUrl: string): Promise<void> {
  const { dbname, env } = connectionFor(databaseUrl);
  const command = postgresTool(name);
  const child = spawn(command, [...args, `--dbname=${dbname}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_384);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new DancuError('PG_TOOL_MISSING', `${name} is not installed (looked for ${command}): install PostgreSQL's client programs`, { retriable: false });
    }
    throw error;
  });
  if (code !== 0) throw new DancuError('PG_TOOL_FAILED', `${name} failed: ${lastComplaint(stderr)}`, { retriable: false });
}
