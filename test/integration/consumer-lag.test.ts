import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProducer, createKafka, ensureTopics, kafkaConnection } from '../../services/shared/kafka/client.js';
import { measureLag } from '../../services/shared/kafka/lag.js';
import { config, testLogger, uniqueName } from '../helpers/real-stack.js';

const MINUTE = 60_000;

/** A topic and a group of the describe's own, with an admin; `fill` writes the messages and the group's offsets; all deleted after. */
function lagTopic(name: string, partitions: number, fill: (context: { topic: string; groupId: string; kafka: Kafka; admin: Admin }) => Promise<void>) {
  const topic = uniqueName(name);
  const kafka = createKafka(kafkaConnection(config), topic, testLogger);
  const context = { topic, groupId: `${topic}.group`, kafka, admin: kafka.admin() };
  beforeAll(async () => {
    await context.admin.connect();
    await ensureTopics(context.admin, [topic], partitions);
    await fill(context);
  });
  afterAll(async () => {
    await context.admin.deleteGroups([context.groupId]).catch(() => undefined);
    await context.admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await context.admin.disconnect();
  });
  return context;
}

describe('consumer-group lag from committed offsets, high watermarks and message timestamps', () => {
  const now = Date.now();
  const { topic, groupId, kafka, admin } = lagTopic('lag', 3, async ({ topic, groupId, kafka, admin }) => {
    const producer = await connectProducer(kafka);
    // Partition p holds 10 * (p + 1) messages; message i of a partition was written (i + 1) minutes before `now`.
    for (const partition of [0, 1, 2]) {
      const count = 10 * (partition + 1);
      const messages = Array.from({ length: count }, (_, i) => ({ partition, value: `m${i}`, timestamp: String(now - (count - i) * MINUTE) }));
      await producer.send({ topic, messages, acks: -1 });
    }
    await producer.disconnect();
    // The group consumed 4 messages of partition 0 and all of partition 1; it never committed on partition 2.
    await admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '4' },
        { partition: 1, offset: '20' },
      ],
    });
  });

  it('counts the messages after the committed offset, and all retained ones where the group never committed', async () => {
    const lags = await measureLag(kafka, admin, [{ groupId, topics: [topic] }], () => now);
    expect(lags.map((l) => [l.partition, l.committed, l.high, l.lag])).toEqual([
      [0, '4', '10', 6],
      [1, '20', '20', 0],
      [2, '-1', '30', 30],
    ]);
  });

  it('gives the age of the oldest unconsumed message in seconds, and 0 where nothing waits', async () => {
    const lags = await measureLag(kafka, admin, [{ groupId, topics: [topic] }], () => now);
    // Partition 0's first unconsumed message (offset 4 of 10) was written 6 minutes before; partition 2's first, 30.
    expect(lags.map((l) => [l.partition, l.lagSeconds])).toEqual([
      [0, 360],
      [1, 0],
      [2, 1800],
    ]);
  });

  it('reports no partitions for a topic that does not exist yet', async () => {
    expect(await measureLag(kafka, admin, [{ groupId, topics: [`${topic}-missing`] }])).toEqual([]);
  });
});

describe('the age of a lag whose oldest waiting message sits in a batch larger than one age read asks for', () => {
  const now = Date.now();
  const { topic, groupId, kafka, admin } = lagTopic('lag-batch', 1, async ({ topic, groupId, kafka, admin }) => {
    const producer = await connectProducer(kafka);
    // One send, one batch of 400 messages of 1 KB (about 400 KB, more than the 64 KB an age read asks for); message i written (400 - i) minutes before `now`.
    const value = 'x'.repeat(1024);
    const messages = Array.from({ length: 400 }, (_, i) => ({ partition: 0, value, timestamp: String(now - (400 - i) * MINUTE) }));
    await producer.send({ topic, messages, acks: -1 });
    await producer.disconnect();
    // The group consumed up to the middle of the batch.
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '300' }] });
  });

  it('reads the message at the committed offset inside the batch and ages it', async () => {
    const lags = await measureLag(kafka, admin, [{ groupId, topics: [topic] }], () => now);
    // Message 300 was written 100 minutes before `now`.
    expect(lags.map((l) => [l.lag, l.lagSeconds])).toEqual([[100, 6000]]);
  });
});
