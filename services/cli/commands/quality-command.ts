import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { parseSince, withKafka } from '../kafka-session.js';
import { SOURCE_NAMES, type SourceName } from '../../shared/kafka/topics.js';
import { formatQualityReport, qualityReport } from '../../shared/quality/quality-report.js';
import { rulesMarkdown } from '../../shared/quality/rules.js';
import { createPool } from '../../shared/store/db.js';

export function qualityCommand(): Command {
  const quality = new Command('quality').description('data quality: per-source report and the rule catalogue');

  quality.addCommand(
    new Command('report')
      .description('per source: received, applied, linked, review, unlinked, rejected by rule, soft findings by rule, fields filled')
      .addOption(new Option('--source <name>', 'one source only').choices(SOURCE_NAMES))
      .option('--since <when>', 'only since (ISO time, or 90m, 24h, 7d)')
      .option('--json', 'print JSON')
      .action(async (options: { source?: SourceName; since?: string; json?: boolean }) => {
        const config = loadConfig(process.env);
        const pool = createPool(config.DATABASE_URL, 3);
        try {
          const report = await withKafka(config, 'dancu-quality', (kafka, admin, topics) =>
            qualityReport(kafka, admin, pool, topics, { sources: options.source ? [options.source] : undefined, sinceMs: parseSince(options.since) }),
          );
          console.log(options.json ? JSON.stringify(report, null, 2) : formatQualityReport(report).join('\n'));
        } finally {
          await pool.end();
        }
      }),
  );

  quality.addCommand(
    new Command('rules')
      .description('print the data-quality rule catalogue as Markdown')
      .option('--out <file>', 'write it to a file instead')
      .action((options: { out?: string }) => {
        if (options.out) writeFileSync(options.out, rulesMarkdown());
        else process.stdout.write(rulesMarkdown());
      }),
  );
  return quality;
}
