import type { Finding } from '../schemas/records.js';
import type { PoolClient } from './db.js';
import { runTogether, type Statement } from './statements.js';

export type Outcome = 'CREATED' | 'LINKED' | 'REVIEW' | 'UNLINKED' | 'DELETED';

/** Soft findings, once per observation, rule and field (a redelivery or a relink adds nothing); null when there are none. */
export function findingsStatement(observation: { observation_id: string; source: string }, findings: readonly Finding[], citizenId: string | null, stage: 'ingest' | 'store'): Statement | null {
  if (findings.length === 0) return null;
  return {
    sql: `insert into quality_findings (observation_id, source, code, field, message, citizen_id, stage)
          select $1, $2, f.code, f.field, f.message, $3, $4 from unnest($5::text[], $6::text[], $7::text[]) as f(code, field, message)
          on conflict (observation_id, code, field) do update set citizen_id = coalesce(excluded.citizen_id, quality_findings.citizen_id)`,
    values: [observation.observation_id, observation.source, citizenId, stage, findings.map((f) => f.code), findings.map((f) => f.field), findings.map((f) => f.message)],
  };
}

export async function recordFindings(client: PoolClient, observation: { observation_id: string; source: string }, findings: readonly Finding[], citizenId: string | null, stage: 'ingest' | 'store'): Promise<void> {
  await runTogether(client, [findingsStatement(observation, findings, citizenId, stage)]);
}

/** What became of a decision, with its end-to-end latency. */
export function outcomeStatement(
  decision: { decision_id: string; observation: { observation_id: string; source: string; event_type: string; source_timestamp: number } },
  outcome: Outcome,
  citizenId: string | null,
  now: Date,
  fieldsFilled = 0,
): Statement {
  const o = decision.observation;
  const latencyMs = o.source_timestamp > 0 ? Math.max(0, now.getTime() - o.source_timestamp) : null;
  return {
    sql: `insert into observation_outcomes (decision_id, observation_id, source, event_type, outcome, citizen_id, fields_filled, latency_ms)
          values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (decision_id) do nothing`,
    values: [decision.decision_id, o.observation_id, o.source, o.event_type, outcome, citizenId, fieldsFilled, latencyMs],
  };
}
