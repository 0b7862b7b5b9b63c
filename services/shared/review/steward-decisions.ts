import type { StewardDecision } from '../schemas/records.js';
import type { PoolClient } from '../store/db.js';

/** The key under which the store records a steward decision as applied (processed_events): a redelivery finds it and changes nothing. */
export function appliedStewardDecisionKey(decisionId: string): string {
  return `steward:${decisionId}`;
}

/** A decision as its audit rows describe it. */
export function decisionDetails(decision: StewardDecision): Record<string, unknown> {
  const { decision_id, case_id, action, citizen_id, other_citizen_id, undoes, comment } = decision;
  return { decision_id, case_id, action, citizen_id, other_citizen_id, undoes, comment };
}

/**
 * A steward decision as published: the steward service writes it when the steward decides, the
 * store again when it applies one (from any publisher); the first write stands.
 */
export async function insertStewardDecision(client: PoolClient, decision: StewardDecision): Promise<void> {
  await client.query(
    `insert into steward_decisions (decision_id, case_id, action, citizen_id, other_citizen_id, undoes, actor, comment, decided_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9 / 1000.0)) on conflict (decision_id) do nothing`,
    [
      decision.decision_id,
      decision.case_id,
      decision.action,
      decision.citizen_id,
      decision.other_citizen_id,
      decision.undoes,
      decision.actor,
      decision.comment,
      decision.decided_at,
    ],
  );
}
