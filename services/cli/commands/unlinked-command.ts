import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { SOURCE_NAMES } from '../../shared/schemas/topics.js';
import { createPool } from '../../shared/store/db.js';

export function unlinkedCommand(): Command {
  return new Command('unlinked')
    .description('records of sources that may not create citizens and matched no one, waiting for their person to be registered')
    .addOption(new Option('--source <name>', 'one source only').choices(SOURCE_NAMES))
    .option('--limit <n>', 'at most this many rows', '50')
    .action(async (options: { source?: string; limit: string }) => {
      const pool = createPool(loadConfig(process.env).DATABASE_URL, 1);
      try {
        const { rows } = await pool.query<{ source: string; source_system: string; source_record_id: string; event_type: string; attempt: number; created_at: Date }>(
          `select source, source_system, source_record_id, event_type, attempt, created_at from unlinked_records
            where resolved_at is null and ($1::text is null or source = $1) order by created_at limit $2`,
          [options.source ?? null, Number(options.limit)],
        );
        const total = await pool.query<{ n: string }>('select count(*) as n from unlinked_records where resolved_at is null and ($1::text is null or source = $1)', [options.source ?? null]);
        for (const row of rows) {
          console.log(`${row.created_at.toISOString()}  ${row.source.padEnd(15)} ${row.source_system}/${row.source_record_id}  ${row.event_type}  tried ${row.attempt + 1}x`);
        }
        console.log(`${total.rows[0]?.n ?? 0} unlinked records waiting`);
      } finally {
        await pool.end();
      }
    });
}
