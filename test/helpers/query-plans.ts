import type { Pool } from '../../services/shared/store/db.js';

/** A node of a plan as `explain (format json)` gives it; the actual figures only with `analyze`. */
export interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan, depth first. */
export function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/**
 * The nodes of the plan PostgreSQL makes for `sql` with `values` (`analyze`: and runs it, with the
 * actual figures; `generic`: the plan it would keep for the statement prepared, whatever the values,
 * as it may once a connection has run it a few times).
 */
export async function planNodes(pool: Pool, sql: string, values: unknown[], options: { analyze?: boolean; generic?: boolean } = {}): Promise<PlanNode[]> {
  const explain = `explain (${options.analyze === true ? 'analyze, ' : ''}format json)`;
  if (options.generic !== true) {
    const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`${explain} ${sql}`, values);
    return nodesOf(rows[0]!['QUERY PLAN'][0].Plan);
  }
  const client = await pool.connect();
  try {
    await client.query('set plan_cache_mode = force_generic_plan');
    await client.query(`prepare planned as ${sql}`);
    // EXPLAIN EXECUTE takes no parameters of its own: the values go in as literals.
    const literals = values.map((value) => {
      if (typeof value !== 'string' && typeof value !== 'number') throw new Error('a generic plan is explained for text and number values only');
      return client.escapeLiteral(String(value));
    });
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`${explain} execute planned(${literals.join(', ')})`);
    return nodesOf(rows[0]!['QUERY PLAN'][0].Plan);
  } finally {
    await client.query('deallocate planned').catch(() => undefined);
    await client.query('reset plan_cache_mode').catch(() => undefined);
    client.release();
  }
}
