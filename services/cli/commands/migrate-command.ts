import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { withDatabaseRemedy } from '../kafka-session.js';
import { migrate } from '../../shared/store/migrate.js';
import { databaseFailure, isConnectionFailure } from '../../shared/store/schema-check.js';
import { createDatabase } from '../stack/postgres-node.js';
import { rolePasswords } from '../service-catalogue.js';

/** PostgreSQL's SQLSTATE for a database that does not exist. */
const NO_SUCH_DATABASE = '3D000';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('bring the population store schema up to date (node-pg-migrate, SQL files); a database that does not exist is created first')
    .option('--down', 'roll back the latest migration instead')
    .action(async (options: { down?: boolean }) => {
      const config = loadConfig(process.env);
      const direction = options.down ? 'down' : 'up';
      const roles = config.DANCU_DATABASE_ROLES === 'shared' ? false : rolePasswords(process.env);
      const ran = await migrate(config.DATABASE_URL, direction, undefined, roles)
        .catch(async (error: unknown) => {
          // A database that does not exist yet is made, so that `migrate` is all a new one needs
          // (only then: creating one needs the server's maintenance database, which not every user may reach).
          if (direction === 'down' || (error as { code?: unknown }).code !== NO_SUCH_DATABASE) throw error;
          await createDatabase(config.DATABASE_URL);
          return migrate(config.DATABASE_URL, direction, undefined, roles);
        })
        // A server away, a login refused: said as every command says it, with what to do. An error of
        // the migration itself (a deadlock, a full disk) is reported as the server gave it.
        .catch((error: unknown) => {
          if (!isConnectionFailure(error)) throw error;
          throw withDatabaseRemedy(databaseFailure(error, config.DATABASE_URL), config.DATABASE_URL);
        });
      console.log(ran.length === 0 ? 'the schema is up to date' : `${options.down ? 'rolled back' : 'applied'}: ${ran.join(', ')}`);
    });
}
