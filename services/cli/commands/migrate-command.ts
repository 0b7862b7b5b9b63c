import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { migrate } from '../../shared/store/migrate.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .description('bring the population store schema up to date (node-pg-migrate, SQL files)')
    .option('--down', 'roll back the latest migration instead')
    .action(async (options: { down?: boolean }) => {
      const config = loadConfig(process.env);
      const ran = await migrate(config.DATABASE_URL, options.down ? 'down' : 'up');
      console.log(ran.length === 0 ? 'the schema is up to date' : `${options.down ? 'rolled back' : 'applied'}: ${ran.join(', ')}`);
    });
}
