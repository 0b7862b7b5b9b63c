import type { Pool, PoolClient } from './db.js';

/**
 * Appends to the audit log outside a chunk's bulk write (a chunk's entries go through
 * CitizenEdits and the decision path): one row per citizen named, so each citizen's trail lists it, or one row
 * naming no citizen.
 */
export async function appendAudit(db: Pool | PoolClient, actor: string, action: string, citizenIds: readonly string[], details: object): Promise<void> {
  await db.query(`insert into audit_log (actor, action, citizen_id, details) select $1, $2, id, $4 from unnest($3::text[]) as id`, [
    actor,
    action,
    citizenIds.length > 0 ? citizenIds : [null],
    details,
  ]);
}
