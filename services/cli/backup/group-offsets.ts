import type { Admin } from 'kafkajs';
import { DancuError } from '../../shared/errors.js';
import type { PartitionOffset } from './manifest.js';

export interface PartitionExtent {
  topic: string;
  partition: number;
  low: string;
  high: string;
}

/** Every partition of the topics that exist among `topics`, with its first retained and its next offset. */
export async function partitionExtents(admin: Admin, topics: readonly string[]): Promise<PartitionExtent[]> {
  const existing = new Set(await admin.listTopics());
  const extents = await Promise.all(
    topics
      .filter((topic) => existing.has(topic))
      .map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => ({ topic, partition: p.partition, low: p.low, high: p.high }))),
  );
  return extents.flat();
}

/** The group's committed offsets on those partitions (-1 where it never committed). */
export async function committedOffsets(
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Promise<{ topic: string; partition: number; offset: string }[]> {
  if (topics.length === 0) return [];
  const fetched = await admin.fetchOffsets({ groupId, topics: [...topics] });
  return fetched.flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, partition: p.partition, offset: p.offset })));
}

/**
 * Refuses, in one line, to move a group that has members: Kafka would refuse it too, and a
 * member still consuming would carry on from where it was.
 */
export async function requireNoMembers(admin: Admin, groupId: string, service: string): Promise<void> {
  const { groups } = await admin.describeGroups([groupId]);
  const members = groups[0]?.members.length ?? 0;
  if (members > 0) {
    throw new DancuError(
      'CONSUMER_GROUP_ACTIVE',
      `the consumer group ${groupId} has ${members} active member${members === 1 ? '' : 's'}: stop every ${service} (\`dancu run ${service}\`) first`,
      { retriable: false },
    );
  }
}

/**
 * Sets the group's offsets, topic by topic; a partition to replay from the start takes its first
 * retained offset now. Returns how many messages the group has to replay.
 */
export async function resetGroup(admin: Admin, groupId: string, offsets: readonly PartitionOffset[], now: readonly PartitionExtent[]): Promise<number> {
  const extent = new Map(now.map((p) => [`${p.topic}\u0000${p.partition}`, p]));
  let toReplay = 0n;
  for (const topic of new Set(offsets.map((o) => o.topic))) {
    const partitions = offsets
      .filter((o) => o.topic === topic)
      .map((o) => {
        const there = extent.get(`${topic}\u0000${o.partition}`);
        const offset = o.basis === 'earliest' && there ? there.low : o.offset;
        toReplay += BigInt(there?.high ?? offset) - BigInt(offset);
        return { partition: o.partition, offset };
      });
    await admin.setOffsets({ groupId, topic, partitions });
  }
  return Number(toReplay);
}
