import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicsFor } from '../../services/shared/schemas/topics.js';
import { applyDecisions, type WriterContext } from '../../services/shared/store/apply-decisions.js';
import { mergeCitizensIn, mergeCitizens } from '../../services/shared/store/citizen-merges.js';
import { createPool, inTransaction, observeRunsAgain, type Pool, type PoolClient, type RunAgain } from '../../services/shared/store/db.js';
import { CONTEXT, decision, observation } from '../fixtures/link-decisions.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';
import { within } from '../helpers/wait.js';

/**
 * A transaction a person started (here an operator's merge) that PostgreSQL aborts to break a
 * circle of lock waits is run again and commits, where one no stage would retry used to fail the
 * request (store/db.ts, inRetriedTransaction). The circle is made for real: another session holds
 * the merged citizen's row, the merge locks the survivor's and waits for it, then the other
 * session asks for the survivor's. Invented people only.
 */
describe('a person’s transaction aborted to break a circle of lock waits', () => {
  const database = new IsolatedDatabase('aborted-tx');
  const context: WriterContext = { ...CONTEXT, topics: topicsFor('aborted-tx') };
  let sequence = 0;

  /** Two invented citizens registered by their births; the survivor's id sorts first, so a merge locks it first. */
  const twoCitizens = async (): Promise<{ survivor: string; merged: string }> => {
    sequence += 1;
    const survivor = `0110700${String(sequence).padStart(2, '0')}001`;
    const merged = `0110700${String(sequence).padStart(2, '0')}002`;
    const birth = (personalId: string, given: string) =>
      decision(
        'NEW',
        observation({
          person: {
            personal_id: personalId,
            full_name: `Vi Văn ${given}`,
            name_key: `vi van ${given.toLowerCase()}`,
            family_name: 'Vi',
            middle_name: 'Văn',
            given_name: given,
            date_of_birth: { value: '1970-04-0' + String((sequence % 9) + 1), precision: 'DAY' },
          },
        }),
      );
    await inTransaction(database.pool, (client) => applyDecisions(client, [birth(survivor, 'Khang'), birth(merged, 'Khanh')], context));
    return { survivor, merged };
  };

  /** A session of its own holding the merged citizen's row in an open transaction. */
  const holdRow = async (citizenId: string): Promise<{ pool: Pool; client: PoolClient; pid: number }> => {
    const pool = createPool(database.url, 1);
    const client = await pool.connect();
    await client.query('begin');
    await client.query('select 1 from citizens where citizen_id = $1 for update', [citizenId]);
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    return { pool, client, pid: rows[0]!.pid };
  };

  /**
   * Once the merge waits for the held row, `holder` asks for the survivor's, closing the circle;
   * then it commits. Polled every 10 ms: the circle must close well within the server's
   * deadlock_timeout (1 s) of the merge's wait, so that the merge, waiting first, is the one
   * PostgreSQL aborts.
   */
  const closeCircle = async (holder: { client: PoolClient; pid: number }, survivor: string): Promise<void> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await database.pool.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = current_database() and $1 = any(pg_blocking_pids(pid))',
        [holder.pid],
      );
      if (rows[0]!.n > 0) break;
      if (Date.now() > deadline) throw new Error('the merge never waited for the held row');
      await sleep(10);
    }
    await holder.client.query('select 1 from citizens where citizen_id = $1 for update', [survivor]);
    await holder.client.query('commit');
  };

  const statusOf = async (citizenId: string) =>
    (await database.pool.query<{ status: string }>('select status from citizens where citizen_id = $1', [citizenId])).rows[0]?.status;

  beforeAll(async () => {
    await database.setUp();
  });

  afterAll(async () => {
    await database.cleanUp();
  });

  it('runs an operator’s merge again after PostgreSQL aborts it, and the merge commits', async () => {
    const { survivor, merged } = await twoCitizens();
    const holder = await holdRow(merged);
    try {
      const heard: RunAgain[] = [];
      observeRunsAgain(database.pool, (runAgain) => heard.push(runAgain));
      const merging = mergeCitizens(database.pool, context, survivor, merged, 'operator:test', 'the same man registered twice');
      merging.catch(() => undefined);
      // The holder's own wait ends without an error: PostgreSQL aborted the merge, which waited first.
      await closeCircle(holder, survivor);
      const result = await within(merging, 30_000, 'the merge');
      expect({ survivor: result.survivorId, merged: result.mergedId, status: await statusOf(merged), heard }).toEqual({
        survivor,
        merged,
        status: 'MERGED',
        heard: [{ sqlstate: '40P01', attempt: 1 }],
      });
    } finally {
      holder.client.release();
      await holder.pool.end();
    }
  });

  it('fails a transaction run once with the abort, as a store chunk does for its stage to retry', async () => {
    const { survivor, merged } = await twoCitizens();
    const holder = await holdRow(merged);
    try {
      const merging = inTransaction(database.pool, (client) => mergeCitizensIn(client, context, survivor, merged, 'operator:test', 'run once'));
      const failure = merging.then(
        () => null,
        (error: unknown) => (error as { code?: string }).code ?? String(error),
      );
      await closeCircle(holder, survivor);
      expect(await within(failure, 30_000, 'the merge')).toBe('40P01');
      expect(await statusOf(merged)).toBe('ALIVE');
    } finally {
      holder.client.release();
      await holder.pool.end();
    }
  });
});
