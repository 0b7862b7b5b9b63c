import { REGISTER_SOURCE } from '../register/survivorship.js';
import type { PoolClient } from '../store/db.js';

/**
 * The register's own claims (field_provenance rows of source `register`) a steward's decision and
 * its undo write down, and the undo takes away again, whatever the case. Taking a record off a
 * citizen writes the register's values down as claims first (citizen-edits.ts, so the recount
 * keeps them), so does a merge (citizen-merges.ts), and linking a record writes the value it meets
 * down beside its own claim (citizen-changes.ts): rows the register did not hold before the
 * decision. Its undo puts the citizens' own rows back as they were, and drops these too, so their
 * field histories are row for row what they were: each one that is still the only claim of its
 * field (its value stays the citizen's, as it was before anything wrote it down); one that a record
 * linked since has claimed beside stays, as that record's baseline.
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
 * The register claims the decision wrote down on the citizens it changed, kept for its undo beside
 * what it kept of a standing link (steward_decisions.standing_link, `registerClaims`; the only key
 * there for a decision on any other case).
 */
export async function keepRegisterClaimsWritten(client: PoolClient, decisionId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await client.query(
    `update steward_decisions set standing_link = coalesce(standing_link, '{}') || jsonb_build_object('registerClaims', $2::jsonb) where decision_id = $1`,
    [decisionId, JSON.stringify(ids)],
  );
}

/** The register claims the decision kept as written down by it; none for one applied before decisions on any case kept them. */
export async function registerClaimsKeptBy(client: PoolClient, decisionId: string): Promise<string[]> {
  const { rows } = await client.query<{ ids: string[] | null }>("select standing_link->'registerClaims' as ids from steward_decisions where decision_id = $1", [
    decisionId,
  ]);
  return rows[0]?.ids ?? [];
}

/**
 * Drops the register claims named that are still the only claim of their field on their citizen,
 * and only on the citizens given (those the transaction holds locked): a claim a merge has since
 * moved to another citizen is that merge's to move back, and stays. Such a claim still names the
 * citizen it was written for (registerClaim, citizen-changes.ts), so it stays even when the record
 * went with it and its new citizen is among those locked: dropped there, the merge's undo would
 * find it gone and empty the field of the citizen it was written for.
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
