import type { Pool } from '../../services/shared/store/db.js';

/**
 * The register's final state, in a form two runs can be compared by: citizens and their current
 * values, which citizen each source record is linked to, the facts, and what is still waiting
 * (unlinked or in review). Ids of decisions, times and scores are left out: they say how the
 * state was reached, not what it is.
 */
export interface RegisterSnapshot {
  citizens: unknown[];
  links: unknown[];
  facts: unknown[];
  unlinked: string[];
  review: string[];
}

export async function registerSnapshot(pool: Pool): Promise<RegisterSnapshot> {
  const [citizens, links, facts, unlinked, review] = await Promise.all([
    pool.query(`select citizen_id, personal_id, full_name, date_of_birth, dob_precision, sex, address, place_of_birth, ethnicity, marital_status,
                       date_of_death, dod_precision, status from citizens order by citizen_id`),
    pool.query('select source, source_system, source_record_id, citizen_id from record_links order by source, source_system, source_record_id'),
    pool.query('select observation_id, citizen_id, kind, fact_date, withdrawn_at is not null as withdrawn from citizen_facts order by observation_id'),
    pool.query<{ observation_id: string }>('select observation_id from unlinked_records where resolved_at is null order by observation_id'),
    pool.query<{ observation_id: string }>("select observation_id from review_cases where status <> 'DECIDED' order by observation_id"),
  ]);
  return {
    citizens: citizens.rows,
    links: links.rows,
    facts: facts.rows,
    unlinked: unlinked.rows.map((row) => row.observation_id),
    review: review.rows.map((row) => row.observation_id),
  };
}

/** Rows one snapshot has and the other lacks, per part; empty when the two registers are the same. */
export function snapshotDifferences(actual: RegisterSnapshot, expected: RegisterSnapshot): Record<string, { missing: unknown[]; extra: unknown[] }> {
  const differences: Record<string, { missing: unknown[]; extra: unknown[] }> = {};
  for (const part of Object.keys(expected) as (keyof RegisterSnapshot)[]) {
    const has = new Set((actual[part] as unknown[]).map((row) => JSON.stringify(row)));
    const wants = new Set((expected[part] as unknown[]).map((row) => JSON.stringify(row)));
    const missing = [...wants].filter((row) => !has.has(row)).map((row) => JSON.parse(row) as unknown);
    const extra = [...has].filter((row) => !wants.has(row)).map((row) => JSON.parse(row) as unknown);
    if (missing.length > 0 || extra.length > 0) differences[part] = { missing, extra };
  }
  return differences;
}
