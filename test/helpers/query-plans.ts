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

/** The nodes of the plan PostgreSQL makes for `sql` with `values` (`analyze`: and runs it, with the actual figures). */
export async function planNodes(pool: Pool, sql: string, values: unknown[], options: { analyze?: boolean } = {}): Promise<PlanNode[]> {
  const { rows } = await pool.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    `explain (${options.analyze === true ? 'analyze, ' : ''}format json) ${sql}`,
    values,
  );
  return nodesOf(rows[0]!['QUERY PLAN'][0].Plan);
}
