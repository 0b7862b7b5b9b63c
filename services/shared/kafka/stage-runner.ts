import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import type { DancuProducer } from './client.js';
import { asDancuError, type DancuError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { deadLetterMessage, type OriginalMessage } from './dead-letter.js';

export interface StageMessage extends OriginalMessage {
  timestamp: string;
}

/** What became of one message: its work is committed, or it can never be processed. */
export type Outcome = { ok: true } | { ok: false; error: DancuError };

/**
 * Where the chunk a stage is given stands in its partition: every message before `settledBefore`
 * (the offset of the chunk's first message as the runner took it) is settled — its work
 * committed, or dead-lettered and acknowledged — since the runner takes a partition's chunks one
 * after the other and dead-letters a chunk's faults before the next. The same for every part of
 * a chunk it isolates faults in. A stage that records its position with its work (the store)
 * records this one: a copy of its database then names a point from which replaying loses nothing.
 */
export interface ChunkPosition {
  settledBefore: string;
}

/**
 * One pipeline stage. `process` must have committed the work of every message it returns `ok`
 * for (produced and acknowledged, or written in a committed transaction) before it returns, and
 * must be safe to call again for the same messages: a retry after a crash redelivers them.
 */
export interface Stage {
  name: string;
  process(messages: StageMessage[], position: ChunkPosition): Promise<Outcome[]>;
  /** A message for whoever sent one that is dead-lettered (sent with the dead letter), if the stage tells them. */
  feedback?(message: StageMessage, error: DancuError): Promise<{ topic: string; message: Message } | null>;
}

export interface StageRunnerOptions {
  consumer: Consumer;
  producer: DancuProducer;
  topics: string[];
  deadLetterTopic: string;
  stage: Stage;
  logger: Logger;
  metrics: Metrics;
  chunkSize: number;
  /** Partitions processed at once (order is kept within each): one chunk waits on I/O while another computes. */
  partitionsConcurrently: number;
  maxRetryDelayMs: number;
  onChunk?: (counts: { ok: number; deadLettered: number }) => void;
}

function toStageMessage(topic: string, partition: number, message: KafkaMessage): StageMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers,
    timestamp: message.timestamp,
  };
}

/**
 * The consumer loop, as kafkajs's own runner does it but with the rule that an offset is marked
 * done only after its work is committed. A chunk that fails with a retriable error is retried
 * (with backoff, heartbeating) after committing what is done; one that fails otherwise is split
 * so that only the message at fault is dead-lettered and the rest go through.
 */
export async function runStage(options: StageRunnerOptions): Promise<void> {
  const { consumer, topics } = options;
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 1_000,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConcurrently,
    eachBatch: (payload) => processBatch(options, payload),
  });
}

async function processBatch(options: StageRunnerOptions, payload: EachBatchPayload): Promise<void> {
  // kafkajs hands these over as closures over the batch, not methods that need `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
  const messages = batch.messages.map((message) => toStageMessage(batch.topic, batch.partition, message));
  for (let start = 0; start < messages.length; start += options.chunkSize) {
    if (!isRunning() || isStale()) return;
    const chunk = messages.slice(start, start + options.chunkSize);
    const done = await processWithRetry(options, chunk, payload);
    if (!done) return;
    const last = chunk[chunk.length - 1];
    if (last) resolveOffset(last.offset);
    await heartbeat();
    await commitOffsetsIfNecessary();
  }
}

/** Returns false when the consumer is stopping before the chunk could be committed. */
async function processWithRetry(options: StageRunnerOptions, chunk: StageMessage[], payload: EachBatchPayload): Promise<boolean> {
  const log = options.logger;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const outcomes = await processIsolatingFaults(options.stage, chunk, { settledBefore: chunk[0]?.offset ?? '0' });
      await deadLetter(options, chunk, outcomes);
      const failed = outcomes.filter((outcome) => !outcome.ok).length;
      options.onChunk?.({ ok: outcomes.length - failed, deadLettered: failed });
      return true;
    } catch (error) {
      const dancuError = asDancuError(error, { stage: options.stage.name, topic: chunk[0]?.topic, partition: chunk[0]?.partition, offset: chunk[0]?.offset });
      if (!dancuError.retriable) throw dancuError;
      const delayMs = Math.min(options.maxRetryDelayMs, 200 * 2 ** Math.min(attempt, 10));
      log.warn({ code: dancuError.code, attempt, delayMs, context: dancuError.context, err: dancuError.message }, 'chunk failed; retrying');
      await payload.commitOffsetsIfNecessary().catch(() => undefined);
      await sleep(delayMs);
      if (!payload.isRunning() || payload.isStale()) return false;
      await payload.heartbeat().catch(() => undefined);
    }
  }
}

/**
 * Runs the stage over the chunk; if the chunk as a whole fails with a non-retriable error, runs
 * each message alone so that one bad message does not dead-letter its neighbours. Retriable
 * errors propagate: the whole chunk is tried again.
 */
async function processIsolatingFaults(stage: Stage, chunk: StageMessage[], position: ChunkPosition): Promise<Outcome[]> {
  try {
    return await stage.process(chunk, position);
  } catch (error) {
    const dancuError = asDancuError(error);
    if (dancuError.retriable) throw dancuError;
    if (chunk.length === 1) return [{ ok: false, error: dancuError }];
    const outcomes: Outcome[] = [];
    for (const message of chunk) outcomes.push(...(await processIsolatingFaults(stage, [message], position)));
    return outcomes;
  }
}

async function deadLetter(options: StageRunnerOptions, chunk: StageMessage[], outcomes: Outcome[]): Promise<void> {
  const now = new Date();
  const letters: Message[] = [];
  const feedback = new Map<string, Message[]>();
  for (const [index, message] of chunk.entries()) {
    const outcome = outcomes[index];
    if (!outcome || outcome.ok) continue;
    const error = outcome.error.withContext({ stage: options.stage.name, topic: message.topic, partition: message.partition, offset: message.offset });
    options.logger.warn(
      {
        code: error.code,
        issues: 'issues' in error ? (error.issues as { code: string }[]).map((issue) => issue.code) : undefined,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
      },
      'message dead-lettered',
    );
    letters.push(deadLetterMessage(message, error, options.stage.name, now));
    options.metrics.deadLetters.inc({ stage: options.stage.name, reason: error.code });
    const told = await options.stage.feedback?.(message, error);
    if (told) feedback.set(told.topic, [...(feedback.get(told.topic) ?? []), told.message]);
  }
  if (letters.length === 0) return;
  const topicMessages: TopicMessages[] = [
    { topic: options.deadLetterTopic, messages: letters },
    ...[...feedback].map(([topic, messages]) => ({ topic, messages })),
  ];
  await options.producer.sendBatch({ topicMessages, acks: -1 });
}
