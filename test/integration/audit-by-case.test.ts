import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../services/cli/stack/postgres-node.js';
import { appendAudit } from '../../services/shared/store/audit-log.js';
import { createPool } from '../../services/shared/store/db.js';
import { migrate } from '../../services/shared/store/migrate.js';
import { caseHistory, CASE_HISTORY_QUERY } from '../../services/steward/case-history.js';
import { planNodes } from '../helpers/query-plans.js';
import { dropDatabase, testDatabaseUrl, uniqueName } from '../helpers/real-stack.js';

/** Names this file's database starts with. */
const PREFIX = 'audit-by-case';
/** The pipeline's own audit rows, about one an event: they name no case. */
const PIPELINE_ROWS = 50_000;
/** Cases whose history the log holds, a handful of rows each. */
const CASES = 40;

/**
 * A case's history read from the audit log by the case its rows name, against a log of long
 * standing where almost every row is the pipeline's and names none (migration 035). Invented
 * citizens only.
 */
describe("a case's history in an audit log mostly of the pipeline's rows", () => {
  const databaseUrl = testDatabaseUrl(uniqueName(PREFIX));
  const pool = createPool(databaseUrl, 2);

  beforeAll(async () => {
    await createDatabase(databaseUrl);
    await migrate(databaseUrl);
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
    await pool.query('analyze audit_log');
  });

  afterAll(async () => {
    await pool.end();
    await dropDatabase(databaseUrl);
  });

  it('reads the rows of one case through the case index, never the whole log', async () => {
    const nodes = await planNodes(pool, CASE_HISTORY_QUERY, ['7', 1000]);
    expect({
      byCase: nodes.some((node) => node['Index Name'] === 'audit_log_case_idx'),
      wholeLog: nodes.some((node) => node['Node Type'] === 'Seq Scan'),
    }).toEqual({ byCase: true, wholeLog: false });
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
