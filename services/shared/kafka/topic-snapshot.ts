import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

export type SnapshotMessage = KafkaMessage & { topic: string; partition: number };

/**
 * Everything on a topic from a point (its beginning, or the first offset at or after a
 * timestamp) up to its end as it is when called, read with a throw-away consumer group that is
 * deleted after. What arrives meanwhile is not waited for.
 */
export async function readTopicSnapshot(kafka: Kafka, admin: Admin, topic: string, options: { sinceMs?: number; timeoutMs?: number } = {}): Promise<SnapshotMessage[]> {
  const ends = await admin.fetchTopicOffsets(topic);
  const starts = options.sinceMs === undefined ? ends.map((p) => ({ partition: p.partition, offset: p.low })) : await admin.fetchTopicOffsetsByTimestamp(topic, options.sinceMs);
  const lowOf = new Map(ends.map((p) => [p.partition, p.low]));
  const wanted = new Map<number, { from: bigint; to: bigint }>();
  for (const end of ends) {
    const start = starts.find((s) => s.partition === end.partition);
    // A timestamp after the last message gives -1: nothing to read there.
    const from = BigInt(start && start.offset !== '-1' ? start.offset : end.high);
    const low = BigInt(lowOf.get(end.partition) ?? '0');
    const first = from < low ? low : from;
    if (first < BigInt(end.high)) wanted.set(end.partition, { from: first, to: BigInt(end.high) });
  }
  if (wanted.size === 0) return [];

  const groupId = `dancu-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 8 * 1024 * 1024 });
  const messages: SnapshotMessage[] = [];
  const remaining = new Set(wanted.keys());
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = wanted.get(partition);
        if (!range) return;
        const offset = BigInt(message.offset);
        if (offset >= range.from && offset < range.to) messages.push({ ...message, topic, partition });
        if (offset >= range.to - 1n) {
          remaining.delete(partition);
          if (remaining.size === 0) finish();
        }
      },
    });
    for (const [partition, range] of wanted) consumer.seek({ topic, partition, offset: range.from.toString() });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`reading ${topic} took longer than ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await Promise.race([done, expired]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return messages.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

export function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return Buffer.isBuffer(first) ? first.toString('utf8') : first === undefined ? undefined : String(first);
}
