import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { requireRegistry, withKafka } from '../kafka-session.js';
import { requireFiles } from '../linkage-file-options.js';
import { connectProducer, ensureTopics } from '../../shared/kafka/client.js';
import { publishEvents } from '../../shared/kafka/publisher.js';
import { SOURCE_NAMES, SOURCE_TOPICS, type SourceName } from '../../shared/schemas/topics.js';
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
      requireFiles([file]);
      const config = loadConfig(process.env);
      const { events, lines, bad } = readJsonLines(file);
      // Before a topic is made: a registry that does not answer would refuse every event.
      const registry = await requireRegistry(config.DANCU_SCHEMA_REGISTRY_URL);
      await withKafka(config, 'dancu-publish', async (kafka, admin, topics) => {
        const topic = topics[SOURCE_TOPICS[options.source].events];
        await ensureTopics(admin, [topic]);
        const producer = await connectProducer(kafka);
        try {
          const report = await publishEvents({ producer, registry, topic, record: SOURCE_ADAPTERS[options.source].record, events });
          const rejected = [...bad, ...report.rejected.map(({ index, problems }) => ({ line: lines[index] ?? 0, text: problems.join('; ') }))];
          for (const { line, text } of rejected.sort((a, b) => a.line - b.line)) console.error(`line ${line}: ${text}`);
          console.log(`published ${report.published} events to ${topic}; rejected ${report.rejected.length + bad.length}`);
          if (report.rejected.length + bad.length > 0) process.exitCode = 3;
        } finally {
          await producer.disconnect();
        }
      });
    });
}
