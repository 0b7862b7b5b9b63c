import { REGISTER_SOURCE } from '../register/survivorship.js';
import type { PoolClient } from './db.js';

/**
 * The register's own claims (field_provenance rows of source `register`) an edit of citizens
 * writes down, and the edit's undo takes away again: which the citizens hold, which an edit wrote,
 * and dropping those still alone in their field. A merge writes both citizens' values down before
 * it mixes their histories (citizen-merges.ts, so the survivor's fields are chosen from
 * everything either held), and keeps which for its undo; a steward's decision does the same for
 * what it writes (review/register-claims.ts). The undo puts the citizens' own rows back as they
 * were, and drops these too, so their field histories are row for row what they were: each one
 * that is still the only claim of its field (its value stays the citizen's, as it was before
 * anything wrote it down); one that a record linked since has claimed beside stays, as that
 * record's baseline.
 */

/** The ids of the citizens' register claims (as text: bigint). Read after the citizens are locked: no one else writes them meanwhile. */
export async function registerClaimsOf(client: PoolClient, citizenIds: readonly (string | null | undefined)[]): Promise<string[]> {
  const ids = citizenIds.filter((id): id is string => typeof id === 'string' && id !== '');
  if (ids.length === 0) return [];
  const { rows } = await client.query<{ id: string }>('select id::text as id from field_provenance where citizen_id = any($1::text[]) and source = $2', [
    ids,
    REGISTER_SOURCE,
  ]);
  return rows.map((row) => row.id);
}

/** The register claims the citizens hold now that they did not hold `before`: what the transaction wrote down. */
export async function registerClaimsWritten(
  client: PoolClient,
  citizenIds: readonly (string | null | undefined)[],
  before: readonly string[],
): Promise<string[]> {
  const held = new Set(before);
  return (await registerClaimsOf(client, citizenIds)).filter((id) => !held.has(id));
}

/**
 * Drops the register claims named that are still the only claim of their field on their citizen,
 * and only on the citizens given (those the transaction holds locked): a claim a merge has since
 * moved to another citizen is that merge's to move back, and stays. Such a claim still names the
 * citizen it was written for (registerClaim, citizen-changes.ts), so it stays even when the record
 * went with it and its new citizen is among those locked: dropped there, the merge's undo would
 * find it gone and empty the field of the citizen it was written for. A claim dropped already (by
 * a merge's undo inside a steward's) is simply not found.
 */
export async function dropLoneRegisterClaims(
  client: PoolClient,
  ids: readonly string[],
  lockedCitizenIds: readonly (string | null | undefined)[],
): Promise<void> {
  const citizens = lockedCitizenIds.filter((id): id is string => typeof id === 'string' && id !== '');
  if (ids.length === 0 || citizens.length === 0) return;
  await client.query(
    `delete from field_provenance p where p.id = any($1::bigint[]) and p.source = $2 and p.citizen_id = any($3::text[])
        and p.observation_id = $2 || ':' || p.citizen_id
        and not exists (select 1 from field_provenance o where o.citizen_id = p.citizen_id and o.field = p.field and o.id <> p.id)`,
    [ids, REGISTER_SOURCE, citizens],
  );
}
