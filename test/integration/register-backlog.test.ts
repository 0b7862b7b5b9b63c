import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../services/cli/stack/postgres-node.js';
import { openDuplicateCases, registerBacklog, waitingUnlinkedRecords, type Backlog } from '../../services/shared/reporting/backlog.js';
import { createPool } from '../../services/shared/store/db.js';
import { migrate } from '../../services/shared/store/migrate.js';
import { dropDatabase, testDatabaseUrl, uniqueName } from '../helpers/real-stack.js';

/** Names this file's database starts with. */
const PREFIX = 'register-backlog';

describe("the register's backlog: what waits unlinked, for a steward and to be published, counted in one place", () => {
  const databaseUrl = testDatabaseUrl(uniqueName(PREFIX));
  const pool = createPool(databaseUrl, 2);
  let backlog: Backlog;

  beforeAll(async () => {
    await createDatabase(databaseUrl);
    await migrate(databaseUrl);
    await pool.query(
      `insert into unlinked_records (observation_id, source, source_system, source_record_id, event_type, observation, decision_id, reason, attempt, resolved_at) values
         ('u1', 'vaccination', 'vx', 'r1', 'VACCINATED', '{}', 'd1', 'NO_MATCH', 0, null),
         ('u2', 'vaccination', 'vx', 'r2', 'VACCINATED', '{}', 'd2', 'NO_MATCH', 1, null),
         ('u3', 'driver-licence', 'dl', 'r3', 'ISSUED', '{}', 'd3', 'NO_MATCH', 0, null),
         ('u4', 'driver-licence', 'dl', 'r4', 'ISSUED', '{}', 'd4', 'NO_MATCH', 0, now())`,
    );
    await pool.query(
      `insert into review_cases (observation_id, decision_id, reason, source, observation, candidates, explanation, status, created_at) values
         ('c1', 'd5', 'AMBIGUOUS', 'vaccination', '{}', '[]', '{}', 'OPEN', now() - interval '1 hour'),
         ('c2', 'd6', 'AMBIGUOUS', 'vaccination', '{}', '[]', '{}', 'DECIDED', now() - interval '2 hours'),
         ('c3', 'd7', 'POSSIBLE_DUPLICATE', 'register', '{"citizen_id": "A"}', '[{"citizen_id": "B", "score": 0.9}]', '{}', 'CLAIMED', now()),
         ('c4', 'd8', 'POSSIBLE_DUPLICATE', 'register', '{"citizen_id": "C"}', '[{"citizen_id": "D", "score": 0.95}]', '{}', 'OPEN', now())`,
    );
    await pool.query(
      `insert into outbox (event_id, topic, message_key, record_type, payload, published_at) values
         ('e1', 't', 'k', 'r', '{}', null), ('e2', 't', 'k', 'r', '{}', now())`,
    );
    backlog = await registerBacklog(pool);
  });

  afterAll(async () => {
    await pool.end();
    await dropDatabase(databaseUrl);
  });

  it('counts the records still waiting unlinked, per source, not those resolved', () => {
    expect([backlog.unlinked, backlog.unlinkedBySource]).toEqual([3, { vaccination: 2, 'driver-licence': 1 }]);
  });

  it('counts the records waiting for a steward apart from the possible duplicates, decided cases in neither', () => {
    expect([backlog.recordsInReview, backlog.possibleDuplicates]).toEqual([1, 2]);
  });

  it('ages the oldest open case, not the oldest decided one', () => {
    expect(backlog.oldestOpenCaseSeconds).toBeGreaterThanOrEqual(3_600);
    expect(backlog.oldestOpenCaseSeconds).toBeLessThan(7_200);
  });

  it('counts the updates not yet published', () => {
    expect(backlog.outboxUnpublished).toBe(1);
  });

  it('lists the waiting records of one source, oldest first', async () => {
    expect((await waitingUnlinkedRecords(pool, { source: 'driver-licence', limit: 10 })).map((row) => row.source_record_id)).toEqual(['r3']);
  });

  it('lists the open possible duplicates, highest score first', async () => {
    expect((await openDuplicateCases(pool, 10)).map((row) => [row.a, row.b])).toEqual([
      ['C', 'D'],
      ['A', 'B'],
    ]);
  });
});
