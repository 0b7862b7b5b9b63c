import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { parseSince, withKafka, withPool } from '../kafka-session.js';
import { requireFolderOf } from '../linkage-file-options.js';
import { requireTopics } from '../required-topics.js';
import { SOURCE_NAMES, SOURCE_TOPICS, type SourceName } from '../../shared/schemas/topics.js';
import { formatQualityReport, qualityReport } from '../../shared/reporting/quality-report.js';
import { formatRegisterQuality, registerQuality } from '../../shared/reporting/register-quality.js';
import { measureLag, oldestUnconsumedSeconds } from '../../shared/kafka/lag.js';
import { pipelineGroupTopics } from '../../monitor/pipeline-status.js';
import { rulesMarkdown } from '../../shared/quality/rules.js';

export function qualityCommand(): Command {
  const quality = new Command('quality').description('data quality: the register, per-source report and the rule catalogue');

  quality.addCommand(
    new Command('register')
      .description(
        'the register as numbers: correct (citizens failing a rule), complete (fill rate per field, filled by the sources), clean (duplicates, review), live (latency, oldest waiting event)',
      )
      .option('--since <when>', 'latency over events applied since (ISO time, or 90m, 24h, 7d)', '1h')
      .option('--json', 'print JSON')
      .action(async (options: { since: string; json?: boolean }) => {
        const config = loadConfig(process.env);
        const sinceSeconds = Math.max(1, Math.round((Date.now() - (parseSince(options.since) ?? Date.now() - 3_600_000)) / 1000));
        // The register first: a database not migrated is told at once, not after a Kafka session.
        const quality_ = await withPool(config, 2, async (pool) => {
          const oldestWaitingSeconds = await withKafka(config, 'dancu-quality', async (kafka, admin, topics) =>
            oldestUnconsumedSeconds(
              await measureLag(
                kafka,
                admin,
                pipelineGroupTopics(topics, { ingest: config.DANCU_INGEST_GROUP_ID, linker: config.DANCU_LINKER_GROUP_ID, store: config.DANCU_STORE_GROUP_ID }),
              ),
            ),
          );
          return registerQuality(pool, { sinceSeconds, oldestWaitingSeconds });
        });
        console.log(options.json ? JSON.stringify(quality_, null, 2) : formatRegisterQuality(quality_).join('\n'));
      }),
  );

  quality.addCommand(
    new Command('report')
      .description('per source: received, applied, linked, review, unlinked, rejected by rule, soft findings by rule, fields filled')
      .addOption(new Option('--source <name>', 'one source only').choices(SOURCE_NAMES))
      .option('--since <when>', 'only since (ISO time, or 90m, 24h, 7d)')
      .option('--json', 'print JSON')
      .action(async (options: { source?: SourceName; since?: string; json?: boolean }) => {
        const config = loadConfig(process.env);
        const sources = options.source ? [options.source] : [...SOURCE_NAMES];
        const report = await withPool(config, 3, (pool) =>
          withKafka(config, 'dancu-quality', async (kafka, admin, topics) => {
            const read = sources.flatMap((source) => (['events', 'cdc', 'feedback'] as const).map((form) => topics[SOURCE_TOPICS[source][form]]));
            await requireTopics(admin, read, 'the report counts what each source sent and what was rejected on them');
            return qualityReport(kafka, admin, pool, topics, { sources, sinceMs: parseSince(options.since) });
          }),
        );
        console.log(options.json ? JSON.stringify(report, null, 2) : formatQualityReport(report).join('\n'));
      }),
  );

  quality.addCommand(
    new Command('rules')
      .description('print the data-quality rule catalogue as Markdown')
      .option('--out <file>', 'write it to a file instead')
      .action((options: { out?: string }) => {
        if (options.out) requireFolderOf(options.out);
        if (options.out) writeFileSync(options.out, rulesMarkdown());
        else process.stdout.write(rulesMarkdown());
      }),
  );
  return quality;
}
