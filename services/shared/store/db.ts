import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(databaseUrl: string, max = 5): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  // An idle client whose server went away emits 'error'; without a listener that kills the process.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A server that goes away while the client is checked out (between two statements) emits
  // 'error' on it, which would kill the process; the next statement fails with it instead, and
  // the stage retries the chunk (a fault test restarting PostgreSQL found this).
  let broken = false;
  const ignore = () => {
    broken = true;
  };
  client.on('error', ignore);
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.off('error', ignore);
    // A connection that failed is closed rather than handed to the next chunk.
    client.release(broken);
  }
}

/** Readiness: the database answers a query. */
export function postgresCheck(pool: pg.Pool): { name: string; probe: () => Promise<void> } {
  return { name: 'postgresql', probe: async () => void (await pool.query('select 1')) };
}
