import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProducer, createKafka, ensureTopics, kafkaConnection } from '../../services/shared/kafka/client.js';
import { measureLag } from '../../services/shared/kafka/lag.js';
import { config, testLogger, uniqueName } from '../helpers/real-stack.js';

describe('consumer-group lag from committed offsets, high watermarks and message timestamps', () => {
  const topic = uniqueName('lag');
  const groupId = `${topic}.group`;
  const kafka = createKafka(kafkaConnection(config), topic, testLogger);
  const admin = kafka.admin();
  const now = Date.now();
  const MINUTE = 60_000;

  beforeAll(async () => {
    await admin.connect();
    await ensureTopics(admin, [topic], 3);
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

  afterAll(async () => {
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
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
