import { readdirSync } from 'node:fs';
import { asDancuError, DancuError } from '../errors.js';
import { MIGRATIONS_DIR } from '../paths.js';
import type { Pool } from './db.js';

/** PostgreSQL's SQLSTATE for a database that does not exist, and for a table that does not. */
const NO_SUCH_DATABASE = '3D000';
const NO_SUCH_TABLE = '42P01';
/** SQLSTATE class 28: the server refused the login (no such role, a wrong password, no pg_hba entry). */
const LOGIN_REFUSED = /^28/;
/** Connection exceptions (class 08) and "the database system is starting up". */
const CONNECTING = /^(08|57P03)/;
/** What the client's socket says when no server takes the connection. */
const CONNECT_NETWORK_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The migrations this code knows, in the order they run: file names without `.sql`, as node-pg-migrate records them. */
export function knownMigrations(dir: string = MIGRATIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => file.slice(0, -'.sql'.length))
    .sort();
}

/** The code's migrations a database has not run. One the database ran that this code does not know is not a gap: a newer release migrated it. */
export function pendingMigrations(known: readonly string[], applied: readonly string[]): string[] {
  const ran = new Set(applied);
  return known.filter((name) => !ran.has(name));
}

/** A database as messages name it: its name, host and port, never the password in its URL. */
export function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || url.username || 'postgres';
    const host = url.hostname || url.searchParams.get('host') || 'localhost';
    return `database "${name}" on ${host}:${url.port || '5432'}`;
  } catch {
    return 'the database of DATABASE_URL';
  }
}

async function appliedMigrations(pool: Pool): Promise<string[]> {
  try {
    return (await pool.query<{ name: string }>('select name from pgmigrations')).rows.map((row) => row.name);
  } catch (error) {
    if ((error as { code?: unknown }).code === NO_SUCH_TABLE) return [];
    throw error;
  }
}

/**
 * Whether an error is one of connecting to the database (no server, no such database, a login
 * refused, the server starting up), not one of the work done once connected: only those are said
 * as databaseFailure says them, since a deadlock or a full disk mid-migration is no server away.
 */
export function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  return code === NO_SUCH_DATABASE || LOGIN_REFUSED.test(code) || CONNECTING.test(code) || CONNECT_NETWORK_CODES.has(code);
}

/**
 * A failure to reach the register's database as one DancuError naming the database: it does not
 * exist, the server does not answer, or it refused the login; any other error as classified.
 */
export function databaseFailure(error: unknown, databaseUrl: string): DancuError {
  const database = describeDatabase(databaseUrl);
  const code = (error as { code?: unknown }).code;
  if (code === NO_SUCH_DATABASE) return new DancuError('DATABASE_MISSING', `${database} does not exist`, { retriable: false, cause: error });
  if (typeof code === 'string' && LOGIN_REFUSED.test(code)) {
    // The server's words name the role or the reason (never the password).
    const reason = error instanceof Error ? error.message : String(error);
    return new DancuError('DATABASE_LOGIN_REFUSED', `PostgreSQL refused the login to ${database} (${reason})`, { retriable: false, cause: error });
  }
  const dancuError = asDancuError(error);
  // Not every retriable error: a missing grant waits in a service too, but it is no database that does not answer.
  if (dancuError.code === 'DEPENDENCY_UNAVAILABLE') {
    return new DancuError('DATABASE_UNREACHABLE', `PostgreSQL does not answer for ${database}`, { retriable: true, cause: error });
  }
  return dancuError;
}

/**
 * Checks, once when a command or service connects, that the register's database answers, exists
 * and has run every migration of this code; otherwise throws one DancuError saying which it is
 * and naming the database, instead of the first query's raw SQL error later.
 */
export async function checkSchema(pool: Pool, databaseUrl: string, known: readonly string[] = knownMigrations()): Promise<void> {
  const database = describeDatabase(databaseUrl);
  let applied: string[];
  try {
    applied = await appliedMigrations(pool);
  } catch (error) {
    throw databaseFailure(error, databaseUrl);
  }
  const pending = pendingMigrations(known, applied);
  if (pending.length === 0) return;
  const state =
    applied.length === 0 ? 'is not migrated' : `is behind this code (${pending.length} of ${known.length} migrations not run, the first ${pending[0]})`;
  throw new DancuError('NOT_MIGRATED', `${database} ${state}`, { retriable: false });
}
