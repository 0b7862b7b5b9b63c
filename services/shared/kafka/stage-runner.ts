import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import type { DancuProducer } from './client.js';
import { asDancuError, deploymentFault, InternalError, type DancuError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { deadLetterMessage, refusedForSize, valuelessDeadLetter, type OriginalMessage } from './dead-letter.js';

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
  /**
   * The most bytes (keys, values, headers) one send of dead letters or feedback carries; a letter
   * larger goes alone. The broker refuses a partition's record batch over its message.max.bytes
   * (1 MiB by default), and kafkajs puts a send's messages for one partition in one batch.
   */
  maxSendBytes?: number;
  onChunk?: (counts: { ok: number; deadLettered: number }) => void;
}

/** Well under the broker's default message.max.bytes (1 MiB), leaving room for the record batch's own bytes. */
const DEFAULT_MAX_SEND_BYTES = 512 * 1024;

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
 * (with backoff, heartbeating) after committing what is done, until the group rebalances; one that
 * fails otherwise is split so that only the message at fault is dead-lettered and the rest go through.
 */
export async function runStage(options: StageRunnerOptions): Promise<void> {
  const { consumer, topics } = options;
  const faults = new DeploymentFaults(options.logger);
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    autoCommitInterval: 1_000,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConcurrently,
    eachBatch: (payload) => processBatch(options, faults, payload),
  });
}

/**
 * A fault of the deployment (a grant, an ACL or a login missing, a read-only or unmigrated
 * database, a registry refusing the service) fails the chunks that need what is missing until
 * someone fixes it: it is logged once when it begins and once when work goes through again, not
 * at every retry. Its episode holds the partitions whose chunks wait on it, and ends when the last
 * of them goes through: a chunk of another partition going through says nothing of one that still
 * fails (its messages may be the only ones that touch the table a grant is missing on).
 */
class DeploymentFaults {
  /** By error code: when the episode began, and the partitions (`topic:partition`) waiting on it. */
  private readonly open = new Map<string, { since: number; waiting: Set<string> }>();

  constructor(private readonly logger: Logger) {}

  /** Whether the error is a deployment fault; the first of an episode is logged, and the partition waits on it. */
  seen(error: DancuError, partition: string): boolean {
    const fault = deploymentFault(error);
    if (fault === null) return false;
    const episode = this.open.get(error.code);
    if (episode) episode.waiting.add(partition);
    else {
      this.open.set(error.code, { since: Date.now(), waiting: new Set([partition]) });
      this.logger.error({ code: error.code, fault, context: error.context, err: error.message }, 'deployment fault: work waits until it is fixed');
    }
    return true;
  }

  /** A chunk of the partition went through: it waits on no fault, and an episode no other partition waits on has ended. */
  cleared(partition: string): void {
    for (const [code, episode] of this.ended(partition)) this.logger.info({ code, waitedMs: Date.now() - episode.since }, 'deployment fault cleared');
  }

  /**
   * The partition's batch ended while it waited (the consumer stops, the group rebalances, a seek
   * moved it), whoever takes it next: an episode only it waited on ends here, fixed or not.
   */
  left(partition: string): void {
    for (const [code, episode] of this.ended(partition))
      this.logger.info({ code, waitedMs: Date.now() - episode.since }, 'deployment fault no longer waited on here');
  }

  /** Takes the partition out of every episode; returns (and closes) those it was the last to wait on. */
  private ended(partition: string): [string, { since: number }][] {
    const ended: [string, { since: number }][] = [];
    for (const [code, episode] of this.open) {
      if (!episode.waiting.delete(partition) || episode.waiting.size > 0) continue;
      this.open.delete(code);
      ended.push([code, episode]);
    }
    return ended;
  }
}

async function processBatch(options: StageRunnerOptions, faults: DeploymentFaults, payload: EachBatchPayload): Promise<void> {
  // kafkajs hands these over as closures over the batch, not methods that need `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
  const messages = batch.messages.map((message) => toStageMessage(batch.topic, batch.partition, message));
  for (let start = 0; start < messages.length; start += options.chunkSize) {
    if (!isRunning() || isStale()) return;
    const chunk = messages.slice(start, start + options.chunkSize);
    const done = await processWithRetry(options, faults, chunk, payload);
    if (!done) return;
    const last = chunk[chunk.length - 1];
    if (last) resolveOffset(last.offset);
    await heartbeat();
    await commitOffsetsIfNecessary();
  }
}

/**
 * Returns false when the consumer is stopping before the chunk could be committed. No error leaves
 * it but kafkajs's word that this member must rejoin its group (see mustRejoin): kafkajs does not
 * restart a consumer after an error it does not retry, and the service would stop reading every
 * partition. A message's own fault is dead-lettered before this; what is left that is not
 * retriable (a dead letter the broker refuses even without its value, a bug) waits and is tried
 * again like a dependency that is away, logged as an error.
 */
async function processWithRetry(options: StageRunnerOptions, faults: DeploymentFaults, chunk: StageMessage[], payload: EachBatchPayload): Promise<boolean> {
  const log = options.logger;
  const partition = `${payload.batch.topic}:${payload.batch.partition}`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const outcomes = await processIsolatingFaults(options.stage, chunk, { settledBefore: chunk[0]?.offset ?? '0' }, log);
      await deadLetter(options, chunk, outcomes);
      faults.cleared(partition);
      const failed = outcomes.filter((outcome) => !outcome.ok).length;
      options.onChunk?.({ ok: outcomes.length - failed, deadLettered: failed });
      return true;
    } catch (error) {
      const dancuError = asDancuError(error, { stage: options.stage.name, topic: chunk[0]?.topic, partition: chunk[0]?.partition, offset: chunk[0]?.offset });
      const delayMs = Math.min(options.maxRetryDelayMs, 200 * 2 ** Math.min(attempt, 10));
      const fields = { code: dancuError.code, attempt, delayMs, context: dancuError.context, err: dancuError.message };
      if (faults.seen(dancuError, partition)) log.debug(fields, 'chunk failed; retrying');
      else if (dancuError.retriable) log.warn(fields, 'chunk failed; retrying');
      else log.error(fields, 'chunk failed with an error that is not retriable; retrying');
      const next = await betweenTries(payload, delayMs);
      if (next === 'retry') continue;
      faults.left(partition);
      if (next === 'stop') return false;
      // Not resolved, the chunk's messages come again after the rejoin, here or where the group gives the partition.
      log.info(
        { topic: payload.batch.topic, partition: payload.batch.partition, offset: chunk[0]?.offset },
        'chunk left for the group to rebalance; it comes again after',
      );
      throw next.rejoin;
    }
  }
}

/**
 * The errors (their kafkajs `type`) with which the coordinator tells a member to rejoin: the group
 * rebalances, moved to another coordinator, or no longer knows the member or its generation.
 * kafkajs 2.2 rejoins when one leaves a batch (runner.js, scheduleFetchManager), as it leaves the
 * heartbeat between two chunks or kafkajs's own eachMessage loop, and only then: it waits for
 * every running batch first. A member that kept retrying one partition's chunk would hold the
 * whole group back up to its rebalance timeout, then be dropped and process nothing more.
 */
const REJOIN = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

function mustRejoin(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'type' in error && REJOIN.has(String(error.type));
}

/**
 * Between two tries of a chunk: commits what is done, waits, and heartbeats. A commit or heartbeat
 * that fails otherwise (the broker away) is left to the next try; kafkajs's `isStale` means a seek
 * moved the partition.
 */
async function betweenTries(payload: EachBatchPayload, delayMs: number): Promise<'retry' | 'stop' | { rejoin: unknown }> {
  const unlessRejoin = (error: unknown) => {
    if (mustRejoin(error)) throw error;
  };
  try {
    await payload.commitOffsetsIfNecessary().catch(unlessRejoin);
    await sleep(delayMs);
    if (!payload.isRunning() || payload.isStale()) return 'stop';
    await payload.heartbeat().catch(unlessRejoin);
    return 'retry';
  } catch (rejoin) {
    // A consumer that is stopping leaves without rejoining: a rejoin would only make the group rebalance once more.
    return payload.isRunning() ? { rejoin } : 'stop';
  }
}

/**
 * Runs the stage over the chunk; if the chunk as a whole fails with a non-retriable error, runs
 * each message alone so that one bad message does not dead-letter its neighbours. Retriable
 * errors propagate: the whole chunk is tried again. A split is logged: a chunk the stage refuses
 * although each of its messages goes through alone is a fault of the stage, which costs a
 * transaction a message until it is found (the store's chunks refused by PostgreSQL went unseen so).
 */
async function processIsolatingFaults(stage: Stage, chunk: StageMessage[], position: ChunkPosition, log: Logger): Promise<Outcome[]> {
  try {
    const outcomes = await stage.process(chunk, position);
    // A message without its outcome would be neither done nor dead-lettered, and its offset committed with the chunk's.
    if (outcomes.length !== chunk.length) throw new InternalError(`stage ${stage.name} returned ${outcomes.length} outcomes for ${chunk.length} messages`);
    return outcomes;
  } catch (error) {
    const dancuError = asDancuError(error);
    if (dancuError.retriable) throw dancuError;
    if (chunk.length === 1) return [{ ok: false, error: dancuError }];
    log.warn(
      {
        code: dancuError.code,
        topic: chunk[0]?.topic,
        partition: chunk[0]?.partition,
        offset: chunk[0]?.offset,
        messages: chunk.length,
        err: dancuError.message,
      },
      'chunk refused as a whole; its messages are processed one at a time',
    );
    const outcomes: Outcome[] = [];
    for (const message of chunk) outcomes.push(...(await processIsolatingFaults(stage, [message], position, log)));
    return outcomes;
  }
}

/** One message for the broker; `fallback` is what to send instead if the broker refuses it alone for good (null: nothing, logged). */
interface Outgoing {
  topic: string;
  message: Message;
  fallback: ((refusal: DancuError) => Message) | null;
}

/**
 * Dead-letters the chunk's failed messages, then tells their publishers. The letters go first and
 * apart, so that feedback the broker refuses never holds a letter back; both go in sends of at
 * most maxSendBytes, a refused send is tried again message by message, and a letter the broker
 * refuses alone goes without the message (its source topic, partition and offset say where it is).
 */
async function deadLetter(options: StageRunnerOptions, chunk: StageMessage[], outcomes: Outcome[]): Promise<void> {
  const now = new Date();
  const letters: Outgoing[] = [];
  const feedback: Outgoing[] = [];
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
    letters.push({
      topic: options.deadLetterTopic,
      message: deadLetterMessage(message, error, options.stage.name, now),
      fallback: (refusal) => valuelessDeadLetter(message, error, options.stage.name, now, refusal.code),
    });
    options.metrics.deadLetters.inc({ stage: options.stage.name, reason: error.code });
    const told = await tellPublisher(options, message, error);
    if (told) feedback.push({ ...told, fallback: null });
  }
  await sendBounded(options, letters);
  await sendBounded(options, feedback);
}

/** The publisher's feedback on a dead-lettered message; one that cannot be made is logged (the dead letter has the reason), one that may be made later fails the chunk. */
async function tellPublisher(options: StageRunnerOptions, message: StageMessage, error: DancuError): Promise<{ topic: string; message: Message } | null> {
  try {
    return (await options.stage.feedback?.(message, error)) ?? null;
  } catch (failure) {
    const cause = asDancuError(failure);
    if (cause.retriable) throw cause;
    options.logger.error(
      { code: cause.code, topic: message.topic, partition: message.partition, offset: message.offset },
      'feedback not made; the dead letter holds the reason',
    );
    return null;
  }
}

function headerBytes(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, each) => sum + headerBytes(each), 0);
  return Buffer.isBuffer(value) ? value.length : typeof value === 'string' ? Buffer.byteLength(value) : 0;
}

/** The bytes of a message as a record batch holds them, near enough: key, value, headers' names and values. */
function messageBytes(message: Message): number {
  const headers = Object.entries(message.headers ?? {}).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + headerBytes(value), 0);
  const bytes = (part: Buffer | string | null | undefined) =>
    part === null || part === undefined ? 0 : Buffer.isBuffer(part) ? part.length : Buffer.byteLength(part);
  return bytes(message.key) + bytes(message.value) + headers;
}

/** Messages in order, in groups of at most `maxBytes` (a message larger alone). */
function bySize(outgoing: Outgoing[], maxBytes: number): Outgoing[][] {
  const groups: Outgoing[][] = [];
  let group: Outgoing[] = [];
  let bytes = 0;
  for (const each of outgoing) {
    const size = messageBytes(each.message);
    if (group.length > 0 && bytes + size > maxBytes) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(each);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

async function sendBounded(options: StageRunnerOptions, outgoing: Outgoing[]): Promise<void> {
  for (const group of bySize(outgoing, options.maxSendBytes ?? DEFAULT_MAX_SEND_BYTES)) await sendOrIsolate(options, group);
}

/**
 * Sends the group; what the broker refuses for good is sent message by message. A dead letter
 * refused alone for its size goes as its fallback; feedback refused alone is logged and left (the
 * dead letter has the reason); any other refusal of a dead letter fails the chunk, which waits.
 */
async function sendOrIsolate(options: StageRunnerOptions, group: Outgoing[]): Promise<void> {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, message } of group) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
  const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
  try {
    await options.producer.sendBatch({ topicMessages, acks: -1 });
  } catch (error) {
    const refusal = asDancuError(error);
    if (refusal.retriable) throw refusal;
    if (group.length > 1) {
      for (const each of group) await sendOrIsolate(options, [each]);
      return;
    }
    const [only] = group;
    if (!only) return;
    const at = { code: refusal.code, topic: only.topic, bytes: messageBytes(only.message) };
    if (only.fallback === null) {
      options.logger.error(at, 'feedback refused by the broker; the dead letter holds the reason');
      return;
    }
    if (!refusedForSize(refusal)) throw refusal;
    options.logger.error(at, 'dead letter too large for the broker; sent without the message');
    await options.producer.send({ topic: only.topic, messages: [only.fallback(refusal)], acks: -1 });
  }
}
