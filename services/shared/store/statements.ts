import type { PoolClient } from './db.js';

/** One SQL write with its parameters, to be run alone or together with others. */
export interface Statement {
  sql: string;
  values: unknown[];
}

/**
 * Runs independent writes in one round trip: all but the last become data-modifying CTEs, which
 * PostgreSQL runs exactly once and to completion inside the one statement. The store pays per
 * round trip far more than per row (benchmarks: socket writes were a third of its CPU), so the
 * rows a decision adds to several tables go together.
 */
export async function runTogether(client: PoolClient, statements: (Statement | null)[]): Promise<void> {
  const present = statements.filter((statement): statement is Statement => statement !== null);
  if (present.length === 0) return;
  const values: unknown[] = [];
  const renumbered = present.map((statement) => {
    const offset = values.length;
    values.push(...statement.values);
    return statement.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  const last = renumbered.pop() ?? '';
  const ctes = renumbered.map((sql, index) => `w${index} as (${sql} returning 1)`);
  await client.query(ctes.length > 0 ? `with ${ctes.join(', ')} ${last}` : last, values);
}
