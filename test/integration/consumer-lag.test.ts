import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProducer, createKafka, ensureTopics, kafkaConnection } from '../../services/shared/kafka/client.js';
import { measureLag } from '../../services/shared/kafka/lag.js';
import { config, testLogger, uniqueName } from '../helpers/real-stack.js';

const MINUTE = 60_000;

/** A topic and a group of the describe's own, with an admin; `fill` writes the messages and gives the group's positions; all deleted after. */
function lagTopic(name: string, partitions: number, fill: (context: { topic: string; kafka: Kafka }) => Promise<Array<{ partition: number; offset: string }>>) {
  const topic = uniqueName(name);
  const kafka = createKafka(kafkaConnection(config), topic, testLogger);
  const context = { topic, groupId: `${topic}.group`, kafka, admin: kafka.admin() };
  beforeAll(async () => {
    await context.admin.connect();
    await ensureTopics(context.admin, [topic], partitions);
    await context.admin.setOffsets({ groupId: context.groupId, topic, partitions: await fill(context) });
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
  const { topic, groupId, kafka, admin } = lagTopic('lag', 3, async ({ topic, kafka }) => {
    const producer = await connectProducer(kafka);
    // Partition p holds 10 * (p + 1) messages; message i of a partition was written (i + 1) minutes before `now`.
    for (const partition of [0, 1, 2]) {
      const count = 10 * (partition + 1);
      const messages = Array.from({ length: count }, (_, i) => ({ partition, value: `m${i}`, timestamp: String(now - (count - i) * MINUTE) }));
      await producer.send({ topic, messages, acks: -1 });
    }
    await producer.disconnect();
    // The group consumed 4 messages of partition 0 and all of partition 1; it never committed on partition 2.
    return [
      { partition: 0, offset: '4' },
      { partition: 1, offset: '20' },
    ];
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

describe('the ages of lags whose oldest waiting messages sit in batches larger than one age read asks for', () => {
  const now = Date.now();
  const { topic, groupId, kafka, admin } = lagTopic('lag-batch', 3, async ({ topic, kafka }) => {
    const producer = await connectProducer(kafka);
    const value = 'x'.repeat(1024);
    // Partition 0, which the group has read to its end, holds 4 MB in batches of 400 KB, ahead of the two in the order a fetch asks for them.
    for (let batch = 0; batch < 10; batch += 1) {
      await producer.send({ topic, messages: Array.from({ length: 400 }, () => ({ partition: 0, value, timestamp: String(now) })), acks: -1 });
    }
    // Partitions 1 and 2: one send each, one batch of 400 messages of 1 KB (more than the 64 KB an age read asks for); message i written (400 - i) minutes before `now`.
    for (const partition of [1, 2]) {
      const messages = Array.from({ length: 400 }, (_, i) => ({ partition, value, timestamp: String(now - (400 - i) * MINUTE) }));
      await producer.send({ topic, messages, acks: -1 });
    }
    await producer.disconnect();
    // The group read all of partition 0, and up to the middle of the batch of partitions 1 and 2.
    return [
      { partition: 0, offset: '4000' },
      { partition: 1, offset: '300' },
      { partition: 2, offset: '350' },
    ];
  });

  it('reads the message at each committed offset inside its batch and ages it', async () => {
    const lags = await measureLag(kafka, admin, [{ groupId, topics: [topic] }], () => now);
    // Message 300 was written 100 minutes before `now`, message 350 50 minutes before.
    expect(lags.map((l) => [l.partition, l.lag, l.lagSeconds])).toEqual([
      [0, 0, 0],
      [1, 100, 6000],
      [2, 50, 3000],
    ]);
  });
});
