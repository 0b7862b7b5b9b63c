import type { Pool } from './db.js';
import { SETTINGS_SHADOW_RUNS } from './settings-tables.js';

/** A saved shadow run as a list shows it: what was compared with what, and how much would change. */
export interface ShadowRunLine {
  id: number;
  kind: string;
  current_version: string;
  candidate_version: string;
  actor: string;
  created_at: string;
  compared: number;
  changed: number;
  transitions: { transition: string; count: number }[];
}

const LINE = `id::int as id, kind, current_version, candidate_version, actor, created_at,
  (report->>'compared')::int as compared, (report->>'changed')::int as changed,
  coalesce((select json_agg(json_build_object('transition', c->>'transition', 'count', (c->>'count')::int)) from jsonb_array_elements(report->'changes') c), '[]') as transitions`;

/** The latest saved shadow runs (settings shadow --save, promotions, rollbacks), newest first, without their examples. */
export async function listShadowRuns(pool: Pool, limit = 50): Promise<ShadowRunLine[]> {
  const { rows } = await pool.query<ShadowRunLine>(`select ${LINE} from ${SETTINGS_SHADOW_RUNS.name} order by id desc limit $1`, [limit]);
  return rows;
}

/** One saved shadow run with its whole report (transitions with examples, each explained both ways). */
export async function shadowRunReport(pool: Pool, id: number): Promise<(ShadowRunLine & { report: object }) | null> {
  const { rows } = await pool.query<ShadowRunLine & { report: object }>(`select ${LINE}, report from ${SETTINGS_SHADOW_RUNS.name} where id = $1`, [id]);
  return rows[0] ?? null;
}
