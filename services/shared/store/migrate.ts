import { runner } from 'node-pg-migrate';
import { MIGRATIONS_DIR } from '../paths.js';

/** Applies the store's migrations (node-pg-migrate, SQL files); returns the names it ran. */
export async function migrate(databaseUrl: string, direction: 'up' | 'down' = 'up', count?: number): Promise<string[]> {
  const ran = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction,
    count: count ?? (direction === 'up' ? Infinity : 1),
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    log: () => undefined,
  });
  return ran.map((migration) => migration.name);
}
