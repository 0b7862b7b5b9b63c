import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../services/shared/store/audit-log.js';
import { CITIZEN_FINDINGS_QUERY } from '../../services/shared/store/citizen-view.js';
import type { Pool } from '../../services/shared/store/db.js';
import { caseHistory, CASE_HISTORY_QUERY } from '../../services/steward/case-history.js';
import { planNodes } from '../helpers/query-plans.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

/** The pipeline's own audit rows, about one an event: they name no case. */
const PIPELINE_ROWS = 50_000;
/** Cases whose history the log holds, a handful of rows each. */
const CASES = 40;
/** Findings already stored, about one every two events. */
const FINDINGS = 50_000;

/** Whether the plans of `sql` (the values' own, and the one kept for any values) read `index`, and whether they read a whole table. */
async function readsThrough(pool: Pool, sql: string, values: unknown[], index: string) {
  const nodes = [...(await planNodes(pool, sql, values)), ...(await planNodes(pool, sql, values, { generic: true }))];
  return { throughIndex: nodes.some((node) => node['Index Name'] === index), wholeTable: nodes.some((node) => node['Node Type'] === 'Seq Scan') };
}

/**
 * What a steward's pages look up in tables that grow with every event, against a history of long
 * standing: a case's audit rows by the case they name, where almost every row is the pipeline's
 * and names none (migration 035), and a citizen's quality findings (migration 036). Invented
 * citizens only.
 */
describe("a steward's pages against a long history", () => {
  const database = new IsolatedDatabase('steward-page-lookups');
  let pool: Pool;

  beforeAll(async () => {
    await database.setUp();
    pool = database.pool;
    await pool.query(
      `insert into audit_log (actor, action, citizen_id, details)
       select 'pipeline:store', 'LINKED', 'C-' || i, jsonb_build_object('observation_id', 'obs-' || i, 'decision_id', 'dec-' || i)
         from generate_series(1, $1::int) as i`,
      [PIPELINE_ROWS],
    );
    for (let caseId = 1; caseId <= CASES; caseId += 1) {
      await appendAudit(pool, 'steward:lan', 'CASE_VIEWED', [], { case_id: caseId });
      await appendAudit(pool, 'steward:lan', 'CASE_CLAIMED', [], { case_id: caseId });
    }
    await appendAudit(pool, 'steward:lan', 'STEWARD_DECIDED', ['C-7'], { case_id: 7, action: 'LINK' });
    // One finding in ten is about no citizen (a record waiting for its person); each finding's code names its i.
    await pool.query(
      `insert into quality_findings (observation_id, source, code, field, message, citizen_id, stage)
       select 'obs-' || i, 'vaccination', 'CODE-' || i, 'address', 'a province merged in 2025',
              case when i % 10 = 0 then null else 'C-' || (i % 20000) end, 'ingest'
         from generate_series(1, $1::int) as i`,
      [FINDINGS],
    );
    await pool.query('analyze audit_log');
    await pool.query('analyze quality_findings');
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  describe("a case's history", () => {
    it('is read through the case index, never the whole log', async () => {
      expect(await readsThrough(pool, CASE_HISTORY_QUERY, ['7', 1000], 'audit_log_case_idx')).toEqual({ throughIndex: true, wholeTable: false });
    });

    it("finds every row of the case, and only the case's, oldest first", async () => {
      const history = await caseHistory(pool, 7, new Date('2026-12-01T00:00:00Z'));
      expect(history.map((entry) => [entry.event, entry.decision_action])).toEqual([
        ['CASE_OPENED', null],
        ['CASE_VIEWED', null],
        ['CASE_CLAIMED', null],
        ['STEWARD_DECIDED', 'LINK'],
      ]);
    });

    it("keeps the pipeline's rows, which name no case, out of the case index", async () => {
      const { rows } = await pool.query<{ bytes: string }>(`select pg_relation_size('audit_log_case_idx') as bytes`);
      // 81 entries fit in a few pages; an entry for each of the 50,000 rows would take about a megabyte.
      expect(Number(rows[0]!.bytes)).toBeLessThan(64 * 1024);
    });
  });

  describe("a citizen's quality findings", () => {
    it('are read through an index on the citizen, never the whole table', async () => {
      expect(await readsThrough(pool, CITIZEN_FINDINGS_QUERY, ['C-7'], 'quality_findings_citizen_idx')).toEqual({ throughIndex: true, wholeTable: false });
    });

    it('are every finding about the citizen, and only theirs, oldest first', async () => {
      const { rows } = await pool.query<{ code: string }>(CITIZEN_FINDINGS_QUERY, ['C-7']);
      // C-7 is i = 7, 20,007 and 40,007 of the history.
      expect(rows.map((row) => row.code)).toEqual(['CODE-7', 'CODE-20007', 'CODE-40007']);
    });
  });
});
