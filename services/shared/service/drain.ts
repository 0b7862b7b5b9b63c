import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { asDancuError } from '../errors.js';
import { totalLag } from '../kafka/lag.js';
import { registerBacklog } from '../reporting/backlog.js';
import { sourceInputTopics, type Topics } from '../schemas/topics.js';
import type { Pool } from '../store/db.js';

export interface PipelineGroups {
  ingest: string;
  linker: string;
  store: string;
}

/** Unconsumed events per stage and unpublished outbox rows: zero everywhere means drained. */
export async function pipelineBacklog(admin: Admin, pool: Pool, topics: Topics, groups: PipelineGroups): Promise<number> {
  const [ingest, linker, store, outbox] = await Promise.all([
    Promise.all(sourceInputTopics(topics).map((topic) => totalLag(admin, groups.ingest, topic))).then((lags) => lags.reduce((a, b) => a + b, 0)),
    totalLag(admin, groups.linker, topics.observations),
    Promise.all([topics.decisions, topics.stewardDecisions].map((topic) => totalLag(admin, groups.store, topic))).then((lags) =>
      lags.reduce((a, b) => a + b, 0),
    ),
    registerBacklog(pool).then((backlog) => backlog.outboxUnpublished),
  ]);
  return ingest + linker + store + outbox;
}

/**
 * Waits until every stage has consumed and committed everything and the outbox is empty, seen
 * twice in a row (a stage may be between consuming and producing on the first look). A look that
 * fails because Kafka or PostgreSQL is still coming back (a group coordinator loading after a
 * broker restart) is a look at a pipeline not yet drained, not a reason to stop waiting.
 */
export async function waitUntilDrained(admin: Admin, pool: Pool, topics: Topics, groups: PipelineGroups, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietLooks = 0;
  let last = 'no look taken';
  while (Date.now() < deadline) {
    try {
      const backlog = await pipelineBacklog(admin, pool, topics, groups);
      quietLooks = backlog === 0 ? quietLooks + 1 : 0;
      last = `${backlog} events still waiting`;
    } catch (error) {
      const dancuError = asDancuError(error);
      if (!dancuError.retriable) throw error;
      quietLooks = 0;
      last = `last look failed: ${dancuError.message}`;
    }
    if (quietLooks >= 2) return;
    await sleep(250);
  }
  throw new Error(`the pipeline did not drain within ${timeoutMs / 1000} s (${last})`);
}
