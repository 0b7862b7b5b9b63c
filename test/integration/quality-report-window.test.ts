import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINDINGS_SINCE_QUERY } from '../../services/shared/reporting/quality-report.js';
import { planNodes } from '../helpers/query-plans.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

/** Findings already stored, one a minute over a month: about one every two events of a quiet register. */
const FINDINGS = 43_200;

/**
 * The quality report over a recent window, against a long history of findings written as they
 * were found (oldest first, as the store writes them). Invented records only.
 */
describe("the quality report's findings of the last hour, against a month of them", () => {
  const database = new IsolatedDatabase('quality-report-window');
  const hourAgo = () => new Date(Date.now() - 3_600_000);

  beforeAll(async () => {
    await database.setUp();
    // Finding i was found (FINDINGS - i) minutes ago; its code says whether that is within the hour.
    await database.pool.query(
      `insert into quality_findings (observation_id, source, code, field, message, stage, found_at)
       select 'obs-' || i, case when i % 2 = 0 then 'vaccination' else 'social-welfare' end,
              case when $1::int - i < 60 then 'RECENT' else 'OLDER' end, 'address', 'a province merged in 2025', 'ingest',
              now() - make_interval(mins => $1::int - i)
         from generate_series(1, $1::int) as i order by i`,
      [FINDINGS],
    );
    await database.pool.query('vacuum analyze quality_findings');
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('reads the window through the index on the time, not the whole table', async () => {
    const nodes = await planNodes(database.pool, FINDINGS_SINCE_QUERY, [hourAgo()]);
    expect(nodes.some((node) => node['Index Name'] === 'quality_findings_found_brin')).toBe(true);
    expect(nodes.some((node) => node['Node Type'] === 'Seq Scan')).toBe(false);
  });

  it('counts every finding of the window, by source and rule, and none older', async () => {
    const { rows } = await database.pool.query<{ source: string; code: string; n: string }>(FINDINGS_SINCE_QUERY, [hourAgo()]);
    const counted = rows.map((row) => ({ ...row, n: Number(row.n) })).sort((a, b) => a.source.localeCompare(b.source));
    expect(counted).toEqual([
      { source: 'social-welfare', code: 'RECENT', n: 30 },
      { source: 'vaccination', code: 'RECENT', n: 30 },
    ]);
  });
});
