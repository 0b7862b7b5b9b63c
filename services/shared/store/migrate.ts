import { runner } from 'node-pg-migrate';
import { MIGRATIONS_DIR } from '../paths.js';
import { applyServiceGrants, type RolePasswords } from './role-grants.js';

/**
 * Applies the store's migrations (node-pg-migrate, SQL files), then the services' roles and
 * grants (service-roles.ts) unless `roles` is false; returns the names it ran.
 */
export async function migrate(databaseUrl: string, direction: 'up' | 'down' = 'up', count?: number, roles: RolePasswords | false = {}): Promise<string[]> {
  const ran = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction,
    count: count ?? (direction === 'up' ? Infinity : 1),
    migrationsTable: 'pgmigrations',
    singleTransaction: true,
    log: () => undefined,
  });
  if (roles !== false) await applyServiceGrants(databaseUrl, roles);
  return ran.map((migration) => migration.name);
}
