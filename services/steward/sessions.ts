import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from '../shared/store/db.js';
import type { StewardUser } from '../shared/review/steward-users.js';

/** Sessions are stored by their token's hash: a leaked table signs no one in. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new session for the user: the token goes to the client once, only its hash is stored. */
export async function openSession(pool: Pool, user: StewardUser, hours: number): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const { rows } = await pool.query<{ expires_at: Date }>(
    `insert into steward_sessions (token_hash, username, expires_at) values ($1, $2, now() + make_interval(secs => $3)) returning expires_at`,
    [hashToken(token), user.username, hours * 3600],
  );
  await pool.query('delete from steward_sessions where expires_at < now()');
  return { token, expiresAt: rows[0]!.expires_at };
}

export async function sessionUser(pool: Pool, token: string): Promise<StewardUser | null> {
  const { rows } = await pool.query<StewardUser>(
    `select u.username, u.role from steward_sessions s join steward_users u using (username)
      where s.token_hash = $1 and s.expires_at > now() and u.disabled_at is null`,
    [hashToken(token)],
  );
  return rows[0] ?? null;
}

export async function closeSession(pool: Pool, token: string): Promise<void> {
  await pool.query('delete from steward_sessions where token_hash = $1', [hashToken(token)]);
}
