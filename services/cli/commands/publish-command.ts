import { readFileSync, existsSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { connectProducer, createKafka, ensureTopics, kafkaConnection } from '../../shared/kafka/client.js';
import { publishEvents } from '../../shared/kafka/publisher.js';
import { SOURCE_NAMES, SOURCE_TOPICS, topicsFor, type SourceName } from '../../shared/schemas/topics.js';
import { createLogger } from '../../shared/observability/logger.js';
import { SchemaRegistryClient } from '../../shared/kafka/registry.js';
import { SOURCE_ADAPTERS } from '../../shared/sources/source-adapters.js';

/** Reads JSON Lines; a line that is not JSON is reported by number, not sent. */
export function readJsonLines(file: string): { events: unknown[]; lines: number[]; bad: { line: number; text: string }[] } {
  const events: unknown[] = [];
  const lines: number[] = [];
  const bad: { line: number; text: string }[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (text.trim() === '') return;
      try {
        events.push(JSON.parse(text));
        lines.push(index + 1);
      } catch {
        bad.push({ line: index + 1, text: 'not JSON' });
      }
    });
  return { events, lines, bad };
}

export function publishCommand(): Command {
  return new Command('publish')
    .description("publish a sector's change events (JSON Lines, one event per line, in the source's Avro schema)")
    .addOption(new Option('--source <name>', 'sector source').choices(SOURCE_NAMES).makeOptionMandatory())
    .argument('<file>', 'JSON Lines file of events')
    .action(async (file: string, options: { source: SourceName }) => {
      if (!existsSync(file)) throw new Error(`no such file: ${file}`);
      const config = loadConfig(process.env);
      const logger = createLogger({ level: 'warn', name: 'publish' });
      const topic = topicsFor(config.DANCU_TOPIC_NAMESPACE)[SOURCE_TOPICS[options.source].events];
      const { events, lines, bad } = readJsonLines(file);
      const kafka = createKafka(kafkaConnection(config), 'dancu-publish', logger);
      const admin = kafka.admin();
      await admin.connect();
      // A connection left open keeps the command alive until the broker drops it (10 minutes).
      await ensureTopics(admin, [topic]).finally(() => admin.disconnect());
      const producer = await connectProducer(kafka);
      try {
        const report = await publishEvents({
          producer,
          registry: new SchemaRegistryClient(config.DANCU_SCHEMA_REGISTRY_URL),
          topic,
          record: SOURCE_ADAPTERS[options.source].record,
          events,
        });
        const rejected = [...bad, ...report.rejected.map(({ index, problems }) => ({ line: lines[index] ?? 0, text: problems.join('; ') }))];
        for (const { line, text } of rejected.sort((a, b) => a.line - b.line)) console.error(`line ${line}: ${text}`);
        console.log(`published ${report.published} events to ${topic}; rejected ${report.rejected.length + bad.length}`);
        if (report.rejected.length + bad.length > 0) process.exitCode = 3;
      } finally {
        await producer.disconnect();
      }
    });
}
