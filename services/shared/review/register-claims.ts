import type { PoolClient } from '../store/db.js';

/**
 * The register's own claims (field_provenance rows of source `register`) a steward's decision
 * wrote down, kept with the decision for its undo to drop (store/register-claims.ts reads, finds
 * and drops them), whatever the case. Taking a record off a citizen writes the register's values
 * down as claims first (citizen-edits.ts, so the recount keeps them), so does a merge
 * (citizen-merges.ts, which keeps its own for its undo as well), and linking a record writes the
 * value it meets down beside its own claim (citizen-changes.ts): rows the register did not hold
 * before the decision. Its undo puts the citizens' own rows back as they were, and drops these
 * too, so their field histories are row for row what they were.
 */

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
