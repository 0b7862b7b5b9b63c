import type { Pool } from '../shared/store/db.js';

interface Row {
  trigger: string;
  changes: number;
  in_reach: number;
  sent: number;
  over_bound: number;
  steward_held: number;
  unstored: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

/**
 * The work changes of the register did since a time (register_reexaminations): per trigger, the
 * changes that had records in reach, those records, how many went back to the linker, how many
 * were over the transaction's bound, held by a steward or linked before links kept their
 * observation, and the time per change (a transaction's read and its one send-back are shared by
 * its changes with anything in reach, charged in equal parts).
 */
export async function reexaminationSummary(pool: Pool, since: Date): Promise<string[]> {
  const { rows } = await pool.query<Row>(
    `select trigger, count(*)::int as changes, sum(in_reach)::int as in_reach, sum(sent)::int as sent, sum(over_bound)::int as over_bound,
            sum(steward_held)::int as steward_held, sum(unstored)::int as unstored,
            percentile_cont(0.5) within group (order by millis) as p50_ms, percentile_cont(0.99) within group (order by millis) as p99_ms, max(millis) as max_ms
       from register_reexaminations where at >= $1 group by trigger order by trigger`,
    [since],
  );
  if (rows.length === 0) return ['re-examinations: no change of the register had records in reach'];
  return [
    're-examinations (changes with records in reach):',
    ...rows.map(
      (r) =>
        `  ${r.trigger.padEnd(9)} ${r.changes} change(s): ${r.in_reach} in reach, ${r.sent} sent back, ${r.over_bound} over the bound, ${r.steward_held} steward-held, ${r.unstored} unstored; ` +
        `per change p50 ${r.p50_ms.toFixed(1)} ms, p99 ${r.p99_ms.toFixed(1)} ms, max ${r.max_ms.toFixed(1)} ms`,
    ),
  ];
}
