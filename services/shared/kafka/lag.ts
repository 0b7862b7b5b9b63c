import type { Admin, Kafka } from 'kafkajs';
import { UnavailableError } from '../errors.js';
import { isAuthorizationFailure } from './client.js';
import { partitionKey, readRanges } from './topic-snapshot.js';

export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  /** The group's committed offset; -1 when it never committed on this partition. */
  committed: string;
  high: string;
  /** Messages not yet consumed. */
  lag: number;
  /** Age of the oldest unconsumed message (now minus its timestamp), in seconds; 0 when there is none; null when not measured. */
  lagSeconds: number | null;
}

/** A consumer group and the topics it reads. */
export interface GroupTopics {
  groupId: string;
  topics: string[];
}

/** Where a group would resume on a partition: its committed offset, or the low watermark when it never committed. */
function nextOffset(committed: string, low: string): string {
  return committed === '-1' ? low : committed;
}

/**
 * Lag of a consumer group on a topic, per partition, from committed offsets and high
 * watermarks. A partition the group never committed counts from the low watermark: all that
 * is still retained there is unconsumed.
 */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const [offsets, committed] = await Promise.all([topicOffsets(admin, topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const committedByPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
  // A partition whose leader was just lost has no offsets until another broker leads it: a lag without it would read too low.
  if (offsets.length < committedByPartition.size) throw new UnavailableError('kafka', new Error(`a partition of ${topic} has no leader`));
  return [...offsets]
    .sort((a, b) => a.partition - b.partition)
    .map((p) => {
      const offset = committedByPartition.get(p.partition) ?? '-1';
      const from = nextOffset(offset, p.low);
      return { groupId, topic, partition: p.partition, committed: offset, high: p.high, lag: Math.max(0, Number(p.high) - Number(from)), lagSeconds: null };
    });
}

/**
 * The high and low watermarks of every partition with a leader. kafkajs 2.2.4 fails with a
 * TypeError (not one of its own errors) when no partition of the topic has a leader, as for a
 * moment after a broker dies: that is the broker being away, to wait for, not a fault of dancu.
 */
async function topicOffsets(admin: Admin, topic: string) {
  try {
    return await admin.fetchTopicOffsets(topic);
  } catch (error) {
    if (error instanceof TypeError) throw new UnavailableError('kafka', error);
    throw error;
  }
}

export async function totalLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  return (await groupLag(admin, groupId, topic)).reduce((sum, p) => sum + p.lag, 0);
}

/**
 * What a read for a lag's age asks of each partition: one message is wanted, and asking for more
 * fetched and decoded up to 8 MB a lagging partition on every measure (the monitor's, every few
 * seconds) just when a backlog makes the cores scarce.
 */
const AGE_READ_BYTES = 64 * 1024;

/** Lag in messages (lagSeconds null) for every partition of every group's topics that exist. */
export async function messageLag(admin: Admin, groups: GroupTopics[]): Promise<PartitionLag[]> {
  // A topic nobody created yet has no lag; asking Kafka for its offsets would fail.
  const existing = new Set(await admin.listTopics());
  return (
    await Promise.all(groups.flatMap((group) => group.topics.filter((topic) => existing.has(topic)).map((topic) => groupLag(admin, group.groupId, topic))))
  ).flat();
}

/**
 * Lag in messages and in seconds for every partition of every group's topics. The seconds are
 * the age of the oldest unconsumed message, read from that message's own timestamp (one read
 * per lagging partition, all in one throw-away consumer).
 */
export async function measureLag(kafka: Kafka, admin: Admin, groups: GroupTopics[], now: () => number = Date.now): Promise<PartitionLag[]> {
  const lags = await messageLag(admin, groups);
  const lows = new Map<string, string>();
  for (const topic of new Set(lags.map((l) => l.topic))) {
    for (const p of await topicOffsets(admin, topic)) lows.set(partitionKey(topic, p.partition), p.low);
  }
  const lagging = lags.filter((l) => l.lag > 0);
  const at = (l: PartitionLag) => BigInt(nextOffset(l.committed, lows.get(partitionKey(l.topic, l.partition)) ?? '0'));
  // A principal that may see offsets but read no message (an operator's) gets lag in messages only.
  const messages = await readRanges(
    kafka,
    admin,
    lagging.map((l) => ({ topic: l.topic, partition: l.partition, from: at(l), to: at(l) + 1n })),
    { maxBytesPerPartition: AGE_READ_BYTES },
  ).catch((error: unknown) => {
    if (isAuthorizationFailure(error)) return [];
    throw error;
  });
  const stamped = new Map(messages.map((m) => [`${m.topic}\u0000${m.partition}\u0000${m.offset}`, Number(m.timestamp)]));
  const measuredAt = now();
  return lags.map((l) => {
    if (l.lag === 0) return { ...l, lagSeconds: 0 };
    const timestamp = stamped.get(`${l.topic}\u0000${l.partition}\u0000${at(l).toString()}`);
    return { ...l, lagSeconds: timestamp === undefined ? null : Math.max(0, (measuredAt - timestamp) / 1000) };
  });
}

/** Messages on a topic now (sum of high minus low watermarks). */
/** Age in seconds of the oldest event not yet consumed by any group, from measured lags; null when none could be aged. */
export function oldestUnconsumedSeconds(lags: readonly PartitionLag[]): number | null {
  const ages = lags.flatMap((lag) => (lag.lagSeconds === null ? [] : [lag.lagSeconds]));
  return ages.length === 0 ? null : Math.max(...ages);
}

export async function topicMessageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await topicOffsets(admin, topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}
