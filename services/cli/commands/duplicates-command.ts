import { Argument, Command } from 'commander';
import { loadConfig, type CliConfig } from '../config.js';
import { withPool } from '../kafka-session.js';
import { wholeNumber } from '../number-options.js';
import { topicsFor } from '../../shared/schemas/topics.js';
import { loadSettings } from '../../shared/linkage/settings.js';
import { mergeCitizens, undoMerge, type MergeResult } from '../../shared/store/citizen-merges.js';
import type { WriterContext } from '../../shared/store/apply-decisions.js';
import { DEFAULT_MAX_BLOCK } from '../../shared/linkage/settings.js';
import { scanForDuplicates } from '../../shared/review/duplicate-scan.js';
import { openDuplicateCases } from '../../shared/reporting/backlog.js';
import { loadSurvivorship } from '../../shared/register/survivorship.js';

function writerContext(config: CliConfig): WriterContext {
  return {
    settings: loadSettings(config.DANCU_LINKAGE_SETTINGS),
    survivorship: loadSurvivorship(config.DANCU_SURVIVORSHIP_RULES),
    topics: topicsFor(config.DANCU_TOPIC_NAMESPACE),
    now: new Date(),
  };
}

function printMerge(verb: string, result: MergeResult): void {
  console.log(
    `${verb} ${result.mergeId}: ${result.mergedId} -> ${result.survivorId}; fields changed on the survivor: ${result.changes.map((c) => c.field).join(', ') || 'none'}`,
  );
}

export function duplicatesCommand(): Command {
  const duplicates = new Command('duplicates').description('citizens registered twice: find them, merge them, undo a merge');

  duplicates.addCommand(
    new Command('scan')
      .description(
        'score pairs of citizens sharing a blocking key (or one typo apart on a key with typo lookups) with the linkage engine; open a POSSIBLE_DUPLICATE review case for each pair above the review threshold (a pair under a never_link rule, such as twins, with the rule named)',
      )
      .option(
        '--max-block <n>',
        `skip blocks of more citizens than this (reported); default: each rule's max_block_size, linking's bound (${DEFAULT_MAX_BLOCK} for a rule without one, such as the ID)`,
        wholeNumber(2, Infinity, 'citizens'),
      )
      .option('--json', 'print JSON')
      .action(async (options: { maxBlock?: number; json?: boolean }) => {
        const config = loadConfig(process.env);
        await withPool(config, 2, async (pool) => {
          const report = await scanForDuplicates(pool, loadSettings(config.DANCU_LINKAGE_SETTINGS), options.maxBlock ? { maxBlock: options.maxBlock } : {});
          if (options.json) return console.log(JSON.stringify(report, null, 2));
          console.log(
            `${report.citizens.toLocaleString('en')} citizens, ${report.pairsCompared.toLocaleString('en')} pairs compared (${report.pairsThroughTypos.toLocaleString('en')} of them one typo apart on a key only), ${report.pairsFound} possible duplicates (${report.pairsUnderNeverLink} under a never_link rule, their cases naming it), ${report.casesOpened} new review cases`,
          );
          if (report.blocksSkippedCount > 0)
            console.log(
              `${report.blocksSkippedCount.toLocaleString('en')} blocks skipped, larger than their rule's bound (raise it with --max-block); the largest:`,
            );
          for (const block of report.blocksSkipped) console.log(`  ${block.size} citizens under rule ${block.rule}`);
        });
      }),
  );

  duplicates.addCommand(
    new Command('list')
      .description('open possible-duplicate cases, highest score first')
      .option('--limit <n>', 'at most this many', wholeNumber(1, Infinity, 'cases'), 50)
      .action(async (options: { limit: number }) =>
        withPool(loadConfig(process.env), 2, async (pool) => {
          const rows = await openDuplicateCases(pool, options.limit);
          for (const row of rows)
            console.log(`case ${row.case_id}  ${row.a}  ${row.b}  ${(row.score * 100).toFixed(1)}%  since ${row.created_at.toISOString()}`);
          console.log(`${rows.length} open possible-duplicate cases shown`);
        }),
      ),
  );

  duplicates.addCommand(
    new Command('merge')
      .description('merge a citizen into another (the survivor keeps both histories); published as CITIZENS_MERGED on population.updates.v1')
      .argument('<survivor>', 'citizen id that stays')
      .argument('<merged>', 'citizen id merged into the survivor')
      .requiredOption('--comment <text>', 'why (kept in the audit log)')
      .option('--actor <name>', 'who decides', process.env.USER ?? 'operator')
      .action(async (survivor: string, merged: string, options: { comment: string; actor: string }) => {
        const config = loadConfig(process.env);
        await withPool(config, 2, async (pool) =>
          printMerge('merge', await mergeCitizens(pool, writerContext(config), survivor, merged, options.actor, options.comment)),
        );
      }),
  );

  duplicates.addCommand(
    new Command('undo')
      .description('undo a merge: what it moved goes back, both citizens chosen again from their own histories; published as MERGE_UNDONE')
      .addArgument(new Argument('<merge-id>', 'the merge to undo (its number, as merge printed it)').argParser(wholeNumber(1, Infinity, '')))
      .requiredOption('--comment <text>', 'why (kept in the audit log)')
      .option('--actor <name>', 'who decides', process.env.USER ?? 'operator')
      .action(async (mergeId: number, options: { comment: string; actor: string }) => {
        const config = loadConfig(process.env);
        await withPool(config, 2, async (pool) =>
          printMerge('undid merge', await undoMerge(pool, writerContext(config), mergeId, options.actor, options.comment)),
        );
      }),
  );
  return duplicates;
}
