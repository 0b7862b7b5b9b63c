import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_COUNTS_QUERY } from '../../services/steward/case-queue.js';
import { planNodes } from '../helpers/query-plans.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

/** Cases decided before today, spread over a year: a queue of long standing. */
const DECIDED_BEFORE = 20_000;
const DECIDED_TODAY = 30;
const OPEN = 12;
const CLAIMED = 3;

/**
 * The counts above the stewards' queue against a long history of decided cases (invented cases:
 * no person in them). Every page of the queue reads them.
 */
describe("the review queue's counts against a year of decided cases", () => {
  const database = new IsolatedDatabase('review-queue-counts');

  beforeAll(async () => {
    await database.setUp();
    // decided_at spread between one hour and a year (plus a day) ago, or within the last day.
    await database.pool.query(
      `insert into review_cases (observation_id, decision_id, reason, source, observation, candidates, explanation, status, decided_at)
       select 'old-' || i, 'dec-old-' || i, 'AMBIGUOUS', 'vaccination', '{"attributes": {}}'::jsonb, '[]'::jsonb, '{}'::jsonb, 'DECIDED',
              now() - interval '2 days' - make_interval(hours => i % 8760)
         from generate_series(1, $1::int) as i`,
      [DECIDED_BEFORE],
    );
    await database.pool.query(
      `insert into review_cases (observation_id, decision_id, reason, source, observation, candidates, explanation, status, decided_at)
       select 'today-' || i, 'dec-today-' || i, 'AMBIGUOUS', 'vaccination', '{"attributes": {}}'::jsonb, '[]'::jsonb, '{}'::jsonb, 'DECIDED',
              now() - make_interval(mins => i * 30)
         from generate_series(1, $1::int) as i`,
      [DECIDED_TODAY],
    );
    for (const [status, n] of [
      ['OPEN', OPEN],
      ['CLAIMED', CLAIMED],
    ] as const) {
      await database.pool.query(
        `insert into review_cases (observation_id, decision_id, reason, source, observation, candidates, explanation, status)
         select $2 || '-' || i, 'dec-' || $2 || '-' || i, 'AMBIGUOUS', 'social-welfare', '{"attributes": {}}'::jsonb, '[]'::jsonb, '{}'::jsonb, $2
           from generate_series(1, $1::int) as i`,
        [n, status],
      );
    }
    await database.pool.query('vacuum analyze review_cases');
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('reads no more of the table than the cases open and those decided in the last day', async () => {
    const nodes = await planNodes(database.pool, QUEUE_COUNTS_QUERY, []);
    expect(nodes.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'review_cases')).toEqual([]);
    expect(nodes.some((node) => node['Index Name'] === 'review_cases_decided_idx')).toBe(true);
  });

  it('counts the cases open and claimed, and those decided in the last day', async () => {
    const { rows } = await database.pool.query<{ dimension: string; value: string; n: string }>(QUEUE_COUNTS_QUERY);
    const status = Object.fromEntries(rows.filter((row) => row.dimension === 'status').map((row) => [row.value, Number(row.n)]));
    expect(status).toEqual({ OPEN, CLAIMED, DECIDED: DECIDED_TODAY });
  });

  it('counts the open and claimed cases by source and reason, not the decided ones', async () => {
    const { rows } = await database.pool.query<{ dimension: string; value: string; n: string }>(QUEUE_COUNTS_QUERY);
    const of = (dimension: string) => Object.fromEntries(rows.filter((row) => row.dimension === dimension).map((row) => [row.value, Number(row.n)]));
    expect({ source: of('source'), reason: of('reason') }).toEqual({ source: { 'social-welfare': OPEN + CLAIMED }, reason: { AMBIGUOUS: OPEN + CLAIMED } });
  });
});
