import type { Finding } from '../schemas/records.js';
import type { PoolClient } from './db.js';
import type { Statement } from './statements.js';

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
  const statement = findingsStatement(observation, findings, citizenId, stage);
  if (statement) await client.query(statement.sql, statement.values);
}
