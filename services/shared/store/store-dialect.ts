import type { Pool, PoolClient } from './db.js';

/**
 * Whether a connection's database is the register distributed on Citus (the extension is there:
 * citus-distribution.ts installed it), asked once per connection. The store says a few things
 * differently there (decision-write.ts, decision-load.ts), for the statements Citus cannot plan;
 * on one PostgreSQL every statement stays as it is. A pool (the linker's candidate source) is
 * asked once too.
 */
const known = new WeakMap<Pool | PoolClient, boolean>();

export async function onCitus(client: Pool | PoolClient): Promise<boolean> {
  let citus = known.get(client);
  if (citus === undefined) {
    const { rows } = await client.query<{ citus: boolean }>("select exists (select 1 from pg_extension where extname = 'citus') as citus");
    citus = rows[0]?.citus === true;
    known.set(client, citus);
  }
  return citus;
}
