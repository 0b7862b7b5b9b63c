import type { Admin, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProducer, connectServiceProducer, createKafka, ensureTopics, kafkaConnection, type DancuProducer } from '../../services/shared/kafka/client.js';
import { config, testLogger, uniqueName } from '../helpers/real-stack.js';
import { header, readTopic } from '../helpers/topic-reader.js';
import { waitUntil } from '../helpers/wait.js';

describe('the @platformatic/kafka producer behind the wrapper, on a real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let platformatic: DancuProducer;
  let kafkajs: DancuProducer;
  const topics: string[] = [];

  beforeAll(async () => {
    const connection = kafkaConnection(config);
    kafka = createKafka(connection, 'platformatic-producer-test', testLogger);
    admin = kafka.admin();
    await admin.connect();
    platformatic = await connectServiceProducer({ client: 'platformatic', kafka, connection, clientId: 'platformatic-producer-test' });
    kafkajs = await connectProducer(kafka);
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await platformatic.disconnect();
    await kafkajs.disconnect();
    await admin.disconnect();
  });

  async function freshTopic(): Promise<string> {
    const topic = uniqueName('platformatic');
    topics.push(topic);
    await ensureTopics(admin, [topic]);
    return topic;
  }

  /** Each message's key and the partition it was read from, sorted by key. */
  async function partitionsByKey(topic: string, count: number): Promise<[string, number][]> {
    const seen: [string, number][] = [];
    const consumer = kafka.consumer({ groupId: uniqueName('reader') });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void seen.push([message.key?.toString() ?? '', partition]) });
      await waitUntil(
        async () => seen.length,
        (n) => n >= count,
        60_000,
        `${count} messages on ${topic}`,
      );
    } finally {
      await consumer.disconnect();
    }
    return seen.sort(([a], [b]) => a.localeCompare(b));
  }

  it('puts every key in the partition kafkajs puts it in', async () => {
    const [mine, theirs] = [await freshTopic(), await freshTopic()];
    const keys = Array.from({ length: 60 }, (_, index) => `record-${index}`);
    await platformatic.send({ topic: mine, messages: keys.map((key) => ({ key, value: key })), acks: -1 });
    await kafkajs.send({ topic: theirs, messages: keys.map((key) => ({ key, value: key })), acks: -1 });
    expect(await partitionsByKey(mine, keys.length)).toEqual(await partitionsByKey(theirs, keys.length));
  });

  it('delivers keys, values and headers as sent, a header with several values once per value', async () => {
    const topic = await freshTopic();
    await platformatic.sendBatch({
      topicMessages: [{ topic, messages: [{ key: 'k', value: Buffer.from([0, 1, 2]), headers: { origin: 'test', trace: ['a', 'b'] } }] }],
      acks: -1,
    });
    const [message] = await readTopic(kafka, topic, 1);
    expect([message?.key?.toString(), message?.value, header(message!, 'origin'), message?.headers?.trace?.toString()]).toEqual([
      'k',
      Buffer.from([0, 1, 2]),
      'test',
      'a,b',
    ]);
  });
});
