import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { READER_GROUP_PREFIX } from './kafka-acls.js';

export type SnapshotMessage = KafkaMessage & { topic: string; partition: number };

/** Offsets [from, to) of one partition to read. */
export interface OffsetRange {
  topic: string;
  partition: number;
  from: bigint;
  to: bigint;
}

/** A partition's key in maps of partitions of several topics. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** How a read of offset ranges goes. */
export interface ReadOptions {
  timeoutMs?: number;
  /** Which messages read are kept (all unless given). */
  keep?: (message: SnapshotMessage) => boolean;
  /**
   * What one fetch asks of each partition. Reading whole ranges wants much; reading one message
   * a partition (a lag's age) wants little. A batch larger than this still comes, but only for the
   * first partition of a fetch that has data there (KIP-74): hence the pauses in readRanges.
   */
  maxBytesPerPartition?: number;
}

/**
 * Reads the given offset ranges with one throw-away consumer group (deleted after). Kafka has no
 * read-at-offset call, so the consumer joins, seeks each partition to its range, and stops once
 * every range is read. Partitions with no range, and each range once read, are paused: a fetch
 * then asks only for ranges still unread, and the first of them gets its next batch even when that
 * is larger than maxBytesPerPartition, so every fetch moves at least one range on (a one-message
 * range, a lag's age, is then done).
 */
export async function readRanges(kafka: Kafka, admin: Admin, ranges: OffsetRange[], options: ReadOptions = {}): Promise<SnapshotMessage[]> {
  const { timeoutMs = 60_000, keep = () => true, maxBytesPerPartition = 8 * 1024 * 1024 } = options;
  const wanted = new Map(ranges.filter((r) => r.from < r.to).map((r) => [partitionKey(r.topic, r.partition), r]));
  if (wanted.size === 0) return [];
  const groupId = `${READER_GROUP_PREFIX}${randomUUID()}`;
  // A broker whose partitions are all paused is not asked; its fetch loop sleeps the longest wait
  // instead, and disconnecting waits for that sleep: 500 ms, not kafkajs's 5 s.
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition, maxWaitTimeInMs: 500 });
  const messages: SnapshotMessage[] = [];
  const remaining = new Set(wanted.keys());
  let finish: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  // It may fail before anything awaits it; the race below still sees the failure.
  done.catch(() => undefined);
  // A consumer that stops for good (a principal not allowed to read, say) fails the read now, not at the timeout.
  let crash = null as Error | null;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    crash = payload.error;
    fail(payload.error);
  });
  await consumer.connect();
  try {
    const topics = [...new Set(ranges.map((r) => r.topic))];
    const unwanted = partitionsToPause((await admin.fetchTopicMetadata({ topics })).topics, wanted);
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const key = partitionKey(topic, partition);
        const range = wanted.get(key);
        if (!range || !remaining.has(key)) return;
        const offset = BigInt(message.offset);
        if (offset >= range.from && offset < range.to) {
          const read = { ...message, topic, partition };
          if (keep(read)) messages.push(read);
        }
        if (offset >= range.to - 1n) {
          remaining.delete(key);
          consumer.pause([{ topic, partitions: [partition] }]);
          if (remaining.size === 0) finish();
        }
      },
    });
    if (crash !== null) throw crash;
    // In the tick run() resolved in, before any fetch's answer is handled: a seek made later would read again what that answer held.
    consumer.pause(unwanted);
    for (const range of wanted.values()) consumer.seek({ topic: range.topic, partition: range.partition, offset: range.from.toString() });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${wanted.size} partitions took longer than ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await Promise.race([done, expired]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return messages.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** The partitions of the topics that have no range to read (keyed by partitionKey in `wanted`), by topic. */
export function partitionsToPause(
  topics: ReadonlyArray<{ name: string; partitions: ReadonlyArray<{ partitionId: number }> }>,
  wanted: ReadonlyMap<string, unknown>,
): Array<{ topic: string; partitions: number[] }> {
  return topics
    .map(({ name, partitions }) => ({ topic: name, partitions: partitions.map((p) => p.partitionId).filter((p) => !wanted.has(partitionKey(name, p))) }))
    .filter((topic) => topic.partitions.length > 0);
}

/** The offset ranges of a topic from a point (its beginning, or the first offset at or after a timestamp) up to its end as it is now. */
export async function topicRanges(admin: Admin, topic: string, sinceMs?: number): Promise<OffsetRange[]> {
  const ends = await admin.fetchTopicOffsets(topic);
  const starts =
    sinceMs === undefined ? ends.map((p) => ({ partition: p.partition, offset: p.low })) : await admin.fetchTopicOffsetsByTimestamp(topic, sinceMs);
  return ends.map((end): OffsetRange => {
    const start = starts.find((s) => s.partition === end.partition);
    // A timestamp after the last message gives -1: nothing to read there.
    const from = BigInt(start && start.offset !== '-1' ? start.offset : end.high);
    const low = BigInt(end.low);
    return { topic, partition: end.partition, from: from < low ? low : from, to: BigInt(end.high) };
  });
}

/**
 * Everything on a topic from a point (its beginning, or the first offset at or after a
 * timestamp) up to its end as it is when called. What arrives meanwhile is not waited for.
 */
export async function readTopicSnapshot(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  options: { sinceMs?: number; timeoutMs?: number } = {},
): Promise<SnapshotMessage[]> {
  return readRanges(kafka, admin, await topicRanges(admin, topic, options.sinceMs), { timeoutMs: options.timeoutMs });
}

export function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return Buffer.isBuffer(first) ? first.toString('utf8') : first === undefined ? undefined : String(first);
}
