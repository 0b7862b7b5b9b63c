import { decodeEach, eachMessage, present } from '../shared/kafka/decode-each.js';
import type { ChunkPosition, Outcome, Stage, StageMessage } from '../shared/kafka/stage-runner.js';
import type { LinkageSettings } from '../shared/linkage/settings.js';
import type { Survivorship } from '../shared/register/survivorship.js';
import type { LinkDecision, StewardDecision } from '../shared/schemas/records.js';
import type { StageContext } from '../shared/service/stage-service.js';
import { applyDecisions, STORE_CONSUMER } from '../shared/store/apply-decisions.js';
import { recordPosition, type ConsumerPosition } from '../shared/store/consumer-positions.js';
import { inTransaction, type Pool, type PoolClient } from '../shared/store/db.js';
import { inPartsWhileLockTableFull } from '../shared/store/lock-table.js';
import { applyStewardDecision } from '../shared/review/steward-apply.js';

/** The position a chunk's transactions record: its partition, and the offset before which everything is settled. */
function positionOf(messages: StageMessage[], chunk: ChunkPosition): ConsumerPosition | null {
  const first = messages[0];
  return first ? { consumer: STORE_CONSUMER, topic: first.topic, partition: first.partition, nextOffset: chunk.settledBefore } : null;
}

/** Records the register's changes may send back to the linker per transaction (plan/reexamination.ts): a chunk of the linker's decisions, one steward's decision. */
export interface ReexaminationBounds {
  chunk: number;
  stewardDecision: number;
}

/**
 * Store: apply a chunk of decisions (a steward's decisions one transaction each, they are few) to the register in one PostgreSQL transaction (citizens,
 * history, audit and outbox rows together, each table in one statement; in halves when the
 * server's lock table cannot hold its locks: lock-table.ts). The chunk is done only once that
 * commit returns. Each transaction also records where the register stands in the
 * partition (consumer_positions), so that a copy of the database names the point it reflects.
 */
export function createStoreStage(
  context: StageContext,
  pool: Pool,
  rules: { settings: LinkageSettings; survivorship: Survivorship; maxRecordsPerTransaction: ReexaminationBounds },
  afterCommit: () => void,
  now: () => Date = () => new Date(),
): Stage {
  const { registry, topics, metrics } = context;
  const { settings, survivorship } = rules;
  const bounds = rules.maxRecordsPerTransaction;
  return {
    name: 'store',
    async process(messages: StageMessage[], chunk: ChunkPosition): Promise<Outcome[]> {
      const position = positionOf(messages, chunk);
      /** One transaction of the chunk: its work, and the chunk's position with it. */
      const transaction = <T>(work: (client: PoolClient) => Promise<T>): Promise<T> =>
        inTransaction(pool, async (client) => {
          const result = await work(client);
          if (position) await recordPosition(client, position);
          return result;
        });
      // A chunk is one partition of one topic: the stewards' decisions, or the linker's.
      if (messages[0]?.topic === topics.stewardDecisions) {
        const { outcomes } = await eachMessage(messages, async (message) => {
          const decision = await registry.decode<StewardDecision>(message.value);
          const result = await transaction((client) =>
            applyStewardDecision(client, decision, { settings, survivorship, topics, now: now(), maxRecordsPerTransaction: bounds.stewardDecision }),
          );
          metrics.stewardDecisions.inc({ action: decision.action, status: result.status });
          return result;
        });
        afterCommit();
        return outcomes;
      }
      const { results, outcomes } = await decodeEach<LinkDecision>(registry, messages);
      const decisions = present(results);
      if (decisions.length > 0) {
        const timer = metrics.storeWrite.startTimer();
        const results = await inPartsWhileLockTableFull(decisions, (part) =>
          transaction((client) => applyDecisions(client, part, { settings, survivorship, topics, now: now(), maxRecordsPerTransaction: bounds.chunk })),
        );
        timer();
        afterCommit();
        const committed = Date.now();
        for (const [index, decision] of decisions.entries()) {
          const source = decision.observation.source;
          metrics.eventsIn.inc({ stage: 'store', source });
          metrics.eventsOut.inc({ stage: 'store', source, outcome: results[index] ?? 'unknown' });
          if (results[index] !== 'duplicate' && decision.observation.source_timestamp > 0) {
            metrics.endToEndLatency.observe({ source }, (committed - decision.observation.source_timestamp) / 1000);
          }
        }
      }
      return outcomes;
    },
  };
}
