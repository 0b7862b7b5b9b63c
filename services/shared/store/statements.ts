/** One SQL write with its parameters. */
export interface Statement {
  sql: string;
  values: unknown[];
}

/**
 * Independent writes as one statement: all but the last become data-modifying CTEs, which
 * PostgreSQL runs exactly once and to completion inside the one statement, with the parameters
 * renumbered. The store pays per round trip far more than per row (benchmarks: socket writes
 * were a third of its CPU), so the rows a chunk adds to several tables go together.
 */
export function combine(statements: readonly Statement[]): Statement {
  const values: unknown[] = [];
  const renumbered = statements.map((statement) => {
    const offset = values.length;
    values.push(...statement.values);
    return statement.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  const last = renumbered.pop() ?? '';
  const ctes = renumbered.map((sql, index) => `w${index} as (${sql} returning 1)`);
  return { sql: ctes.length > 0 ? `with ${ctes.join(', ')} ${last}` : last, values };
}
