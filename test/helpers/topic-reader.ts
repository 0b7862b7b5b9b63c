import type { Kafka, KafkaMessage } from 'kafkajs';
import { waitUntil } from './wait.js';
import { uniqueName } from './real-stack.js';

/**
 * Reads a topic from the beginning with a throw-away consumer group until `count` messages
 * arrived (or the timeout). Compare `count` with the topic's offsets to know there are no more.
 */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  return readTopicUntil(kafka, topic, (messages) => messages.length >= count, `${count} messages on ${topic}`, timeoutMs);
}

/** The topic's messages from the beginning, read until `enough` says so of what was read (`what` names it in a timeout). */
export async function readTopicUntil(
  kafka: Kafka,
  topic: string,
  enough: (messages: readonly KafkaMessage[]) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  // An idle fetch waits half a second, not kafkajs's 5 s: the disconnect after the last message waits for it.
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      messages.push(message);
    },
  });
  try {
    await waitUntil(async () => messages, enough, timeoutMs, what);
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

export function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}
