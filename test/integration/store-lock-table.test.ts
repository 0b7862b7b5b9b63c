import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { createPool, inTransaction, type Pool } from '../../services/shared/store/db.js';
import { chunkSizeWithinLockTable, locksPerDecision, readLockTableSettings } from '../../services/shared/store/lock-table.js';
import { takeKeyLocks } from '../../services/shared/store/records-in-reach.js';
import { storeConfigSchema } from '../../services/store/config.js';
import { IsolatedDatabase } from '../helpers/isolated-run.js';

/**
 * The store's chunk size against the stack's PostgreSQL (stack/postgresql.conf): the settings it
 * reads are the server's, and chunks of the size it keeps take their worst-case locks in as many
 * concurrent transactions as it works partitions. Invented key names: no person in them.
 */
describe("the store's chunks in the stack's lock table", () => {
  const database = new IsolatedDatabase('store-lock-table');
  let pool: Pool;

  beforeAll(async () => {
    await database.setUp();
    pool = createPool(database.url, 4);
  });

  afterAll(async () => {
    await pool.end();
    await database.cleanUp();
  });

  it("reads the settings that size the server's lock table", async () => {
    const table = await readLockTableSettings(database.pool);
    const setting = async (name: string): Promise<number> =>
      Number((await database.pool.query<{ value: string }>('select current_setting($1) as value', [name])).rows[0]!.value);
    expect(table).toEqual({
      maxLocksPerTransaction: await setting('max_locks_per_transaction'),
      maxConnections: await setting('max_connections'),
      maxPreparedTransactions: await setting('max_prepared_transactions'),
      autovacuumMaxWorkers: await setting('autovacuum_max_workers'),
      maxWorkerProcesses: await setting('max_worker_processes'),
      maxWalSenders: await setting('max_wal_senders'),
    });
  });

  it("keeps the store's default chunk size on the stack's server", async () => {
    const defaults = storeConfigSchema.parse({ DATABASE_URL: database.url });
    const fit = chunkSizeWithinLockTable({
      configured: defaults.DANCU_STORE_CHUNK_SIZE,
      partitions: defaults.DANCU_STORE_PARTITIONS_CONCURRENTLY,
      perDecision: locksPerDecision(loadSettings()),
      table: await readLockTableSettings(database.pool),
    });
    // A cluster started before stack/postgresql.conf last changed runs its old settings: `dancu stack down`, then `up`.
    expect(fit, 'the stack runs stack/postgresql.conf as of its last start').toMatchObject({ chunkSize: defaults.DANCU_STORE_CHUNK_SIZE, lowered: false });
  });

  it("takes a full chunk's worst-case locks in every partition's transaction at once", async () => {
    const defaults = storeConfigSchema.parse({ DATABASE_URL: database.url });
    const partitions = defaults.DANCU_STORE_PARTITIONS_CONCURRENTLY;
    const perDecision = locksPerDecision(loadSettings());
    const { chunkSize } = chunkSizeWithinLockTable({
      configured: defaults.DANCU_STORE_CHUNK_SIZE,
      partitions,
      perDecision,
      table: await readLockTableSettings(pool),
    });
    let holding = 0;
    let release!: () => void;
    const allHold = new Promise<void>((resolve) => (release = resolve));
    const held = await Promise.all(
      Array.from({ length: partitions }, (_, partition) =>
        inTransaction(pool, async (client) => {
          const keys = Array.from({ length: chunkSize * perDecision }, (_, i) => ({ key: `lock-table-test:${partition}:${i}`, exclusive: i % 2 === 0 }));
          // A transaction that cannot take its locks lets the others go, and fails the test.
          await takeKeyLocks(client, keys).catch((error: unknown) => {
            release();
            throw error;
          });
          const { rows } = await client.query<{ n: string }>("select count(*) as n from pg_locks where pid = pg_backend_pid() and locktype = 'advisory'");
          holding += 1;
          if (holding === partitions) release();
          await allHold;
          return Number(rows[0]!.n);
        }),
      ),
    );
    expect(held).toEqual(Array.from({ length: partitions }, () => chunkSize * perDecision));
  });
});
