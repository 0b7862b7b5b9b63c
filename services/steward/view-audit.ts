import type { Pool } from '../shared/store/db.js';
import type { StewardUser } from '../shared/store/steward-users.js';

/** Who saw which citizen's personal data, one audit row per citizen shown (a citizen's audit trail then lists every view). */
export async function auditView(pool: Pool, user: StewardUser, action: 'CASE_VIEWED' | 'CITIZEN_VIEWED', citizenIds: string[], details: object): Promise<void> {
  const ids = citizenIds.length > 0 ? citizenIds : [null];
  await pool.query(
    `insert into audit_log (actor, action, citizen_id, details) select $1, $2, id, $4 from unnest($3::text[]) as id`,
    [`steward:${user.username}`, action, ids, details],
  );
}
