import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { loadConfig } from '../config.js';
import { readDemoRun } from '../demo-run-file.js';
import { withKafka } from '../kafka-session.js';
import { wholeNumber } from '../number-options.js';
import type { DemoRun } from '../run-settings.js';
import { measureLag, type PartitionLag } from '../../shared/kafka/lag.js';
import { pipelineGroupTopics } from '../../monitor/pipeline-status.js';
import { ConfigError } from '../../shared/errors.js';
import { servicePrincipal } from '../../shared/kafka/kafka-acls.js';

/**
 * kafkajs 2.2.4 turns a broker's "group authorization failed" into "Failed to find group
 * coordinator" (it tries every broker and keeps none of their answers), so a login without
 * rights on the groups reads as a broker fault. With a login, that is the likely cause: said so.
 */
export function coordinatorNotFound(error: unknown, groupIds: readonly string[], username: string | undefined): Error | null {
  if (!(error instanceof Error) || error.name !== 'KafkaJSGroupCoordinatorNotFound') return null;
  const groups = groupIds.join(', ');
  if (username === undefined) {
    return new ConfigError(
      `Kafka named no coordinator for the consumer groups ${groups}: the broker may still be starting; try again, or check DANCU_KAFKA_BROKERS`,
    );
  }
  return new ConfigError(
    `Kafka named no coordinator for the consumer groups ${groups}: the login ${username} may not describe them; log in as ${servicePrincipal('operator')}, the operators' login (\`dancu acl show\` lists who may what)`,
  );
}

function table(lags: PartitionLag[]): string[] {
  const lines = [
    `${'group'.padEnd(28)} ${'topic'.padEnd(40)} ${'part'.padStart(4)} ${'committed'.padStart(10)} ${'end'.padStart(10)} ${'lag'.padStart(8)} ${'lag s'.padStart(8)}`,
  ];
  for (const l of lags) {
    lines.push(
      `${l.groupId.padEnd(28)} ${l.topic.padEnd(40)} ${String(l.partition).padStart(4)} ${l.committed.padStart(10)} ${l.high.padStart(10)} ${String(l.lag).padStart(8)} ${(l.lagSeconds === null ? '-' : l.lagSeconds.toFixed(1)).padStart(8)}`,
    );
  }
  const total = lags.reduce((sum, l) => sum + l.lag, 0);
  const oldest = Math.max(0, ...lags.map((l) => l.lagSeconds ?? 0));
  // A login that may see offsets but read no message (an operator's) cannot date what waits.
  const unmeasured = lags.some((l) => l.lag > 0 && l.lagSeconds === null);
  lines.push(
    `total lag ${total} messages; ${unmeasured ? 'age of the oldest unconsumed event not measured' : `oldest unconsumed event ${oldest.toFixed(1)} s old`}`,
  );
  return lines;
}

/**
 * What an empty lag table means, in words: nothing waits on the pipeline's topics here and none
 * of its groups has read any. Where a demo has run on other topics, that is likely the run meant.
 */
export function nothingToShow(groups: { ingest: string; linker: string; store: string }, namespace: string, demoRun: DemoRun | null): string {
  const topics = namespace === '' ? "the pipeline's topics" : `the pipeline's topics under namespace ${namespace}`;
  const line = `no lag to show: nothing waits on ${topics} and its consumer groups (${groups.ingest}, ${groups.linker}, ${groups.store}) have read none of them`;
  if (demoRun !== null && demoRun.topicNamespace !== namespace) return `${line}; the last demo's run ran elsewhere: npx dancu lag --demo`;
  if (demoRun !== null) return `${line}; the demo's topics are gone: run \`npm run demo\` again`;
  return `${line}; start the pipeline with \`npx dancu run\`, or run \`npm run demo\` and look at it with --demo`;
}

export function lagCommand(): Command {
  return new Command('lag')
    .description("lag of the pipeline's consumer groups per topic and partition, in messages and in seconds (age of the oldest unconsumed event)")
    .option('--json', 'print JSON')
    .option('--watch [seconds]', 'print again every few seconds (5 unless given) until interrupted', wholeNumber(1, Infinity, 'seconds'))
    .option('--all', 'also list partitions with nothing to consume')
    .action(async (options: { json?: boolean; watch?: number | boolean; all?: boolean }) => {
      const config = loadConfig(process.env);
      const every = options.watch === undefined || options.watch === false ? null : options.watch === true ? 5 : options.watch;
      await withKafka(config, 'dancu-lag', async (kafka, admin, topics) => {
        const groupIds = { ingest: config.DANCU_INGEST_GROUP_ID, linker: config.DANCU_LINKER_GROUP_ID, store: config.DANCU_STORE_GROUP_ID };
        const groups = pipelineGroupTopics(topics, groupIds);
        for (;;) {
          const lags = await measureLag(kafka, admin, groups).catch((error: unknown) => {
            throw coordinatorNotFound(error, Object.values(groupIds), config.DANCU_KAFKA_USERNAME) ?? error;
          });
          const shown = options.all ? lags : lags.filter((l) => l.lag > 0 || l.committed !== '-1');
          if (shown.length === 0) {
            // JSON stays JSON for scripts; the words go where a person reads them.
            if (options.json) console.log('[]');
            (options.json ? console.error : console.log)(nothingToShow(groupIds, config.DANCU_TOPIC_NAMESPACE, readDemoRun()));
          } else {
            console.log(options.json ? JSON.stringify(shown, null, 2) : `${new Date().toISOString()}\n${table(shown).join('\n')}`);
          }
          if (every === null) return;
          await sleep(every * 1000);
        }
      });
    });
}
