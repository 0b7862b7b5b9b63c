import type { Admin } from 'kafkajs';

export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  committed: string;
  high: string;
  lag: number;
}

/**
 * Lag of a consumer group on a topic, per partition, from committed offsets and high
 * watermarks. A partition the group never committed counts from the low watermark: all that
 * is still retained there is unconsumed.
 */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<PartitionLag[]> {
  const [offsets, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const committedByPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, p.offset]));
  return offsets.map((p) => {
    const offset = committedByPartition.get(p.partition) ?? '-1';
    const from = offset === '-1' ? p.low : offset;
    return { groupId, topic, partition: p.partition, committed: offset, high: p.high, lag: Math.max(0, Number(p.high) - Number(from)) };
  });
}

export async function totalLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  return (await groupLag(admin, groupId, topic)).reduce((sum, p) => sum + p.lag, 0);
}

/** Messages on a topic now (sum of high minus low watermarks). */
export async function topicMessageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}
