import type { Message, Producer } from 'kafkajs';
import { SOURCE_NAMES, SOURCE_TOPICS, valueSubject, type Topics } from '../../services/shared/schemas/topics.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import type { SchemaRegistryClient } from '../../services/shared/kafka/registry.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';
import type { SectorDay } from '../../services/shared/synth/sector-day.js';
import { SeededRandom } from '../../services/shared/random.js';

export interface StreamMessage {
  topic: string;
  message: Message;
}

/** A synthetic day's events of all four sources, encoded as each source publishes them (keyed by record id). */
export async function encodeDay(registry: SchemaRegistryClient, topics: Topics, day: SectorDay): Promise<StreamMessage[]> {
  const messages: StreamMessage[] = [];
  for (const source of SOURCE_NAMES) {
    const topic = topics[SOURCE_TOPICS[source].events];
    const schemaId = await registry.register(valueSubject(topic), loadRecordSchema(SOURCE_ADAPTERS[source].record).text);
    for (const event of day.events[source]) {
      messages.push({
        topic,
        message: { key: String((event as { source_record_id: string }).source_record_id), value: await registry.encode(schemaId, event) },
      });
    }
  }
  return messages;
}

/** The same messages in an order drawn from `seed`, each on a partition drawn too (so one record's events may land on different partitions). */
export function shuffled(messages: StreamMessage[], seed: number, partitions: number): StreamMessage[] {
  const random = new SeededRandom(seed);
  const copy = messages.map((m) => ({ topic: m.topic, message: { ...m.message, partition: random.int(0, partitions - 1) } }));
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = random.int(0, i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** The same messages with each source's spread evenly over the whole stream, in its own order (a source's events are no longer all sent before the next source's). */
export function spread(messages: StreamMessage[]): StreamMessage[] {
  const bySource = new Map<string, StreamMessage[]>();
  for (const m of messages) bySource.set(m.topic, [...(bySource.get(m.topic) ?? []), m]);
  const placed = [...bySource.values()].flatMap((list) => list.map((m, i) => ({ m, at: (i + 0.5) / list.length })));
  return placed.sort((a, b) => a.at - b.at).map(({ m }) => m);
}

/** Sends the messages in their order, in batches of `batchSize`, calling `between` after each batch (to pace a stream or inject a fault). */
export async function sendInOrder(producer: Producer, messages: StreamMessage[], batchSize = 500, between?: (sent: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < messages.length; i += batchSize) {
    const batch = messages.slice(i, i + batchSize);
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of batch) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })), acks: -1 });
    await between?.(i + batch.length);
  }
}
