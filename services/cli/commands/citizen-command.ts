import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { withPool } from '../kafka-session.js';
import { citizenView } from '../../shared/store/citizen-view.js';

export function citizenCommand(): Command {
  return new Command('citizen')
    .description('print a citizen with links and provenance (by citizen id or personal ID)')
    .argument('<id>', 'citizen id or personal ID')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) =>
      withPool(loadConfig(process.env), 1, async (pool) => {
        const view = await citizenView(pool, id);
        if (!view) {
          console.error(`no citizen ${id}`);
          process.exitCode = 4;
          return;
        }
        if (options.json) {
          console.log(JSON.stringify(view, null, 2));
          return;
        }
        const c = view.citizen;
        console.log(
          `${c.citizen_id}  ${c.full_name}  born ${c.date_of_birth ?? '?'}  ${c.sex ?? ''}  ${c.status}${c.date_of_death ? ` ${c.date_of_death}` : ''}`,
        );
        console.log(`origin ${c.origin}; ${view.links.length} linked records; ${view.provenance.length} field values in history`);
        for (const p of view.provenance) {
          console.log(
            `  ${p.is_current ? '*' : ' '} ${p.field.padEnd(14)} ${String(p.value).padEnd(30)} ${p.source}/${p.source_system}/${p.source_record_id}  ${p.rule}`,
          );
        }
        if (view.facts.length > 0) console.log(`${view.facts.length} sector facts`);
        for (const f of view.facts) {
          const details = Object.entries(f.details)
            .filter(([key]) => !key.startsWith('spouse'))
            .map(([key, value]) => `${key}=${value}`)
            .join(' ');
          console.log(`  ${f.withdrawn_at ? 'x' : ' '} ${(f.fact_date ?? '?').padEnd(10)} ${f.kind.padEnd(22)} ${f.source}/${f.source_record_id}  ${details}`);
        }
        for (const f of view.findings) console.log(`  finding ${f.code} (${f.field}) from ${f.source}`);
      }),
    );
}
