import { Command, Option } from 'commander';
import type { Admin, Kafka } from 'kafkajs';
import { loadConfig } from '../config.js';
import { parseSince, withKafka } from '../kafka-session.js';
import { requireTopics } from '../required-topics.js';
import { connectProducer } from '../../shared/kafka/client.js';
import { listDeadLetters, replayDeadLetters, type DeadLetterEntry, type DeadLetterFilter } from '../../shared/kafka/dead-letters.js';
import { SOURCE_NAMES, type Topics } from '../../shared/schemas/topics.js';

interface FilterOptions {
  source?: string;
  reason?: string;
  since?: string;
}

/** The dead letters on the topic, refused in one line when it is not there (kafkajs would retry for minutes). */
async function deadLetters(kafka: Kafka, admin: Admin, topics: Topics, filter: DeadLetterFilter): Promise<DeadLetterEntry[]> {
  await requireTopics(admin, [topics.deadLetters], 'the dead letters are kept on it');
  return listDeadLetters(kafka, admin, topics, filter);
}

function filterOf(options: FilterOptions, positions?: string[]): DeadLetterFilter {
  return { source: options.source, reason: options.reason, sinceMs: parseSince(options.since), positions };
}

function withFilters(command: Command): Command {
  return command
    .addOption(new Option('--source <name>', 'only dead letters from this source').choices(SOURCE_NAMES))
    .option('--reason <code>', 'only dead letters with this reason or rule code')
    .option('--since <when>', 'only dead letters written since (ISO time, or 90m, 24h, 7d)');
}

function summary(entry: DeadLetterEntry): string {
  const rules = entry.issues.length > 0 ? entry.issues.map((issue) => issue.code).join(',') : entry.reason;
  return `${`${entry.partition}:${entry.offset}`.padEnd(10)} ${entry.failedAt.padEnd(25)} ${(entry.source ?? entry.sourceTopic).padEnd(16)} ${entry.stage.padEnd(7)} ${(entry.recordId ?? '-').padEnd(22)} ${rules}`;
}

export function dlqCommand(): Command {
  const dlq = new Command('dlq').description('dead letters: list them, show one, replay them after a fix');

  dlq.addCommand(
    withFilters(new Command('list').description('list dead letters (position, time, source, stage, record id, reasons)'))
      .option('--json', 'print JSON')
      .action(async (options: FilterOptions & { json?: boolean }) => {
        const config = loadConfig(process.env);
        const entries = await withKafka(config, 'dancu-dlq', (kafka, admin, topics) => deadLetters(kafka, admin, topics, filterOf(options)));
        if (options.json) {
          console.log(
            JSON.stringify(
              entries.map(({ original, ...entry }) => ({ ...entry, bytes: original.value?.length ?? 0 })),
              null,
              2,
            ),
          );
          return;
        }
        console.log(`${'position'.padEnd(10)} ${'failed at'.padEnd(25)} ${'source'.padEnd(16)} ${'stage'.padEnd(7)} ${'record id'.padEnd(22)} reasons`);
        for (const entry of entries) console.log(summary(entry));
        console.log(`${entries.length} dead letters`);
      }),
  );

  dlq.addCommand(
    new Command('show')
      .description('show one dead letter: where it came from and every reason (the payload only with --payload: it holds personal data)')
      .argument('<position>', 'partition:offset in dlq.v1, as dlq list prints it')
      .option('--payload', 'also print the original bytes as text')
      .action(async (position: string, options: { payload?: boolean }) => {
        const config = loadConfig(process.env);
        const [entry] = await withKafka(config, 'dancu-dlq', (kafka, admin, topics) => deadLetters(kafka, admin, topics, { positions: [position] }));
        if (!entry) {
          console.error(`no dead letter at ${position}`);
          process.exitCode = 4;
          return;
        }
        console.log(`dead letter ${position}, written ${entry.failedAt} by ${entry.stage}`);
        console.log(
          `from ${entry.sourceTopic} partition ${entry.sourcePartition} offset ${entry.sourceOffset} (source ${entry.source ?? 'none'}, record ${entry.recordId ?? 'unknown'})`,
        );
        if (entry.sourceTable || entry.sourceKey || entry.sourceLsn) {
          console.log(
            `row ${entry.sourceTable ?? '(table unknown)'} key ${entry.sourceKey ?? 'unknown'}, LSN ${entry.sourceLsn ?? 'unknown'} in the sector's database`,
          );
        }
        console.log(`reason ${entry.reason}: ${entry.message}`);
        for (const issue of entry.issues) console.log(`  ${issue.code.padEnd(26)} ${issue.path.padEnd(28)} ${issue.message}`);
        console.log(`original: ${entry.original.value?.length ?? 0} bytes, key ${entry.original.key ? entry.original.key.toString('utf8') : 'none'}`);
        if (options.payload && entry.original.value) console.log(entry.original.value.toString('utf8'));
      }),
  );

  dlq.addCommand(
    withFilters(new Command('replay').description('send dead letters back to the topic they failed on (after a fix); an event already applied changes nothing'))
      .option('--positions <list>', 'only these partition:offset positions, comma-separated')
      .option('--dry-run', 'list what would be replayed and send nothing')
      .action(async (options: FilterOptions & { positions?: string; dryRun?: boolean }) => {
        const config = loadConfig(process.env);
        const positions = options.positions
          ?.split(',')
          .map((p) => p.trim())
          .filter((p) => p !== '');
        await withKafka(config, 'dancu-dlq', async (kafka, admin, topics) => {
          const entries = await deadLetters(kafka, admin, topics, filterOf(options, positions));
          if (options.dryRun) {
            for (const entry of entries) console.log(summary(entry));
            console.log(`${entries.length} dead letters would be replayed`);
            return;
          }
          const producer = await connectProducer(kafka);
          try {
            console.log(`replayed ${await replayDeadLetters(producer, entries)} of ${entries.length} dead letters`);
          } finally {
            await producer.disconnect();
          }
        });
      }),
  );
  return dlq;
}
