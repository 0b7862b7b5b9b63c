import type { Pool } from '../store/db.js';

/** End-to-end latency of the updates the store committed in a window, in seconds; null without any. */
export interface Latency {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  count: number;
}

/**
 * Percentiles of the end-to-end latency (sector message in Kafka to the store's commit) of the
 * decisions applied in the last `sinceSeconds`, computed by PostgreSQL: an hour at full rate is
 * millions of rows, not to be carried to the caller.
 */
export async function appliedLatency(pool: Pool, sinceSeconds: number): Promise<Latency> {
  const { rows } = await pool.query<{ p50: number | null; p95: number | null; p99: number | null; n: string }>(
    `select percentile_cont(0.5) within group (order by latency_ms) / 1000.0 as p50,
            percentile_cont(0.95) within group (order by latency_ms) / 1000.0 as p95,
            percentile_cont(0.99) within group (order by latency_ms) / 1000.0 as p99,
            count(latency_ms) as n
       from observation_outcomes where applied_at > now() - make_interval(secs => $1) and latency_ms is not null`,
    [sinceSeconds],
  );
  const row = rows[0];
  const seconds = (value: number | null | undefined) => (value === null || value === undefined ? null : Number(value));
  return { p50: seconds(row?.p50), p95: seconds(row?.p95), p99: seconds(row?.p99), count: Number(row?.n ?? 0) };
}
