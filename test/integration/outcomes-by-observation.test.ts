import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../services/cli/stack/postgres-node.js';
import { createPool } from '../../services/shared/store/db.js';
import { ALREADY_APPLIED } from '../../services/shared/store/decision-load.js';
import { migrate } from '../../services/shared/store/migrate.js';
import { planNodes } from '../helpers/query-plans.js';
import { dropDatabase, testDatabaseUrl, uniqueName } from '../helpers/real-stack.js';

/** Names this file's database starts with. */
const PREFIX = 'outcomes-by-observation';
/** Outcomes already stored: a register's history, large enough that reading it whole is never the planner's cheap choice. */
const HISTORY = 50_000;

describe("the store's check for observations an earlier attempt already applied, against a long history", () => {
  const databaseUrl = testDatabaseUrl(uniqueName(PREFIX));
  const pool = createPool(databaseUrl, 2);
  // Every third stored outcome is REVIEW; the chunk's ids step by 451, so they fall on all three.
  const chunk = Array.from({ length: 100 }, (_, i) => `obs-${i * 451}`);

  beforeAll(async () => {
    await createDatabase(databaseUrl);
    await migrate(databaseUrl);
    await pool.query(
      `insert into observation_outcomes (decision_id, observation_id, source, event_type, outcome)
       select 'dec-' || i, 'obs-' || i, 'vaccination', 'VACCINATED', case when i % 3 = 0 then 'REVIEW' else 'LINKED' end
         from generate_series(0, $1::int - 1) as i`,
      [HISTORY],
    );
    await pool.query(
      `insert into unlinked_records (observation_id, source, source_system, source_record_id, event_type, observation, decision_id, reason, attempt, resolved_at, resolution)
       values ('obs-1353', 'vaccination', 'vx', 'r1353', 'VACCINATED', '{}', 'dec-u', 'NO_MATCH', 0, now(), 'DELETED')`,
    );
    await pool.query('analyze observation_outcomes');
  });

  afterAll(async () => {
    await pool.end();
    await dropDatabase(databaseUrl);
  });

  it('reads the outcomes by an index on the observation, never the whole table', async () => {
    const scans = (await planNodes(pool, ALREADY_APPLIED, [chunk])).filter((node) => node['Relation Name'] === 'observation_outcomes');
    expect(scans.map((node) => node['Node Type'])).toEqual([expect.stringMatching(/^(Index|Index Only|Bitmap Heap) Scan$/)]);
  });

  it("finds the chunk's observations that were linked or whose record was deleted, not those sent to review", async () => {
    const { rows } = await pool.query<{ observation_id: string }>(ALREADY_APPLIED, [chunk]);
    const expected = chunk.filter((id) => Number(id.slice(4)) % 3 !== 0 || id === 'obs-1353');
    expect(expected.length).toBeGreaterThan(60);
    expect(rows.map((row) => row.observation_id).sort()).toEqual(expected.sort());
  });
});
