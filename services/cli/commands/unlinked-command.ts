import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { withPool } from '../kafka-session.js';
import { wholeNumber } from '../number-options.js';
import { SOURCE_NAMES } from '../../shared/schemas/topics.js';
import { registerBacklog, waitingUnlinkedRecords } from '../../shared/reporting/backlog.js';

export function unlinkedCommand(): Command {
  return new Command('unlinked')
    .description('records of sources that may not create citizens and matched no one, waiting for their person to be registered')
    .addOption(new Option('--source <name>', 'one source only').choices(SOURCE_NAMES))
    .option('--limit <n>', 'at most this many rows', wholeNumber(1, Infinity, 'rows'), 50)
    .action(async (options: { source?: string; limit: number }) =>
      withPool(loadConfig(process.env), 1, async (pool) => {
        const rows = await waitingUnlinkedRecords(pool, { source: options.source, limit: options.limit });
        const backlog = await registerBacklog(pool);
        for (const row of rows) {
          console.log(
            `${row.created_at.toISOString()}  ${row.source.padEnd(15)} ${row.source_system}/${row.source_record_id}  ${row.event_type}  tried ${row.attempt + 1}x`,
          );
        }
        console.log(`${options.source ? (backlog.unlinkedBySource[options.source] ?? 0) : backlog.unlinked} unlinked records waiting`);
      }),
    );
}
