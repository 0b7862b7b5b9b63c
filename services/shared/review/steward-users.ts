import bcrypt from 'bcryptjs';
import { DancuError, type ErrorCode } from '../errors.js';
import type { Pool } from '../store/db.js';
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from './password-policy.js';

export const ROLES = ['viewer', 'steward', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What each role may do: viewers read, stewards decide and undo their own decisions,
 * supervisors also undo others' decisions and override the evidence against a merge, admins
 * also release others' claims and manage users.
 */
const RANK: Record<Role, number> = { viewer: 0, steward: 1, supervisor: 2, admin: 3 };

export function hasRole(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** A decision is undone by whoever took it, or by a supervisor: a steward never quietly reverses a colleague's work. */
export function mayUndo(user: StewardUser, decisionActor: string): boolean {
  return user.role !== 'viewer' && (user.username === decisionActor || hasRole(user.role, 'supervisor'));
}

/** How audit rows name a steward, whoever writes them (the steward service or the store applying a decision). */
export function stewardActor(username: string): string {
  return `steward:${username}`;
}

export interface StewardUser {
  username: string;
  role: Role;
}

// bcrypt cost 11: about a tenth of a second per check here, slow enough to make guessing dear, with login rate-limited besides.
const BCRYPT_COST = 11;

function invalid(code: ErrorCode, message: string): never {
  throw new DancuError(code, message, { retriable: false });
}

async function strongHash(username: string, password: string): Promise<string> {
  const problem = passwordProblem(username, password);
  if (problem) invalid('WEAK_PASSWORD', PASSWORD_PROBLEM_MESSAGES[problem]);
  return bcrypt.hash(password, BCRYPT_COST);
}

/**
 * Adds a user, or resets an existing one's password and role. A reset ends all their sessions:
 * whoever knew the old password (the reason for a reset, often) is signed out with it.
 */
export async function saveUser(pool: Pool, username: string, password: string, role: Role): Promise<void> {
  if (!/^[a-z0-9._-]{2,64}$/.test(username)) invalid('BAD_USERNAME', 'a user name is 2 to 64 of a-z, 0-9, dot, dash, underscore');
  if (!ROLES.includes(role)) invalid('BAD_ROLE', `a role is one of ${ROLES.join(', ')}`);
  const hash = await strongHash(username, password);
  await pool.query(
    `insert into steward_users (username, password_hash, role) values ($1, $2, $3)
     on conflict (username) do update set password_hash = excluded.password_hash, role = excluded.role, disabled_at = null`,
    [username, hash, role],
  );
  await pool.query('delete from steward_sessions where username = $1', [username]);
}

/** A user's own change of password: their other sessions end, the one they changed it from (its token's hash) stays. */
export async function changePassword(pool: Pool, username: string, password: string, keepTokenHash: string): Promise<void> {
  const hash = await strongHash(username, password);
  await pool.query('update steward_users set password_hash = $2 where username = $1', [username, hash]);
  await pool.query('delete from steward_sessions where username = $1 and token_hash <> $2', [username, keepTokenHash]);
}

export async function disableUser(pool: Pool, username: string): Promise<boolean> {
  const { rowCount } = await pool.query('update steward_users set disabled_at = now() where username = $1 and disabled_at is null', [username]);
  await pool.query('delete from steward_sessions where username = $1', [username]);
  return (rowCount ?? 0) > 0;
}

export async function listUsers(pool: Pool): Promise<(StewardUser & { created_at: Date; disabled_at: Date | null })[]> {
  const { rows } = await pool.query<StewardUser & { created_at: Date; disabled_at: Date | null }>(
    'select username, role, created_at, disabled_at from steward_users order by username',
  );
  return rows;
}

// A hash to compare against when the user does not exist, so a wrong name takes as long as a wrong password.
let dummyHash: Promise<string> | null = null;

/** The user if the password is theirs and they are not disabled; null otherwise, in the same time either way. */
export async function verifyPassword(pool: Pool, username: string, password: string): Promise<StewardUser | null> {
  const { rows } = await pool.query<StewardUser & { password_hash: string }>(
    'select username, role, password_hash from steward_users where username = $1 and disabled_at is null',
    [username],
  );
  const user = rows[0];
  const ok = await bcrypt.compare(password, user?.password_hash ?? (await (dummyHash ??= bcrypt.hash('not the password of anyone', BCRYPT_COST))));
  return ok && user ? { username: user.username, role: user.role } : null;
}
