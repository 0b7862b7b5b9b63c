import { compatibilityPartitioner, Consumer as PlatformaticConsumer, ProduceAcks, Producer as PlatformaticProducer } from '@platformatic/kafka';
import type { Kafka } from 'kafkajs';
import { connectProducer } from '../shared/kafka/client.js';
import { decodeBenchValue, type BenchMessage } from './kafka-client-payloads.js';

/** The stage runner's commit interval (kafkajs's autoCommitInterval in stage-runner.ts). */
const COMMIT_INTERVAL_MS = 1_000;

export interface ProduceRun {
  topic: string;
  messages: BenchMessage[];
  batchSize: number;
  /** Sends awaited at once (the stage runner has up to partitionsConcurrently chunks' sends out). */
  inFlight: number;
}

export interface ConsumeRun {
  topic: string;
  groupId: string;
  expected: number;
  chunkSize: number;
  /** Called once the consumer has joined its group, before its first fetch: the benchmark starts its clocks there. */
  onJoined: () => void;
}

/** One Kafka client as the benchmark drives it: connected first (not timed), then one produce and one consume. */
export interface ClientDriver {
  name: string;
  produce(run: ProduceRun): Promise<void>;
  consume(run: ConsumeRun): Promise<void>;
  close(): Promise<void>;
}

/** Sends `messages` in batches, at most `inFlight` awaited at once, in order of batches. */
async function sendInBatches(run: ProduceRun, send: (batch: BenchMessage[]) => Promise<unknown>): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  for (let start = 0; start < run.messages.length; start += run.batchSize) {
    const sent = send(run.messages.slice(start, start + run.batchSize)).finally(() => pending.delete(sent));
    pending.add(sent);
    if (pending.size >= run.inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
}

/**
 * kafkajs as dancu runs it: the wrapper's producer (acks -1, murmur2 keys, dancu's resend) and a
 * consumer with the stage service's settings, reading batches as the stage runner does (chunks of
 * `chunkSize`, offsets resolved after each chunk's work, committed at most once a second).
 */
export function kafkajsDriver(kafka: Kafka): ClientDriver {
  let producer: Awaited<ReturnType<typeof connectProducer>> | undefined;
  return {
    name: 'kafkajs 2.2.4',
    async produce(run) {
      producer ??= await connectProducer(kafka);
      const connected = producer;
      await sendInBatches(run, (batch) => connected.send({ topic: run.topic, messages: batch, acks: -1 }));
    },
    async consume(run) {
      const consumer = kafka.consumer({
        groupId: run.groupId,
        sessionTimeout: 30_000,
        heartbeatInterval: 3_000,
        maxBytesPerPartition: 4 * 1024 * 1024,
        allowAutoTopicCreation: false,
      });
      consumer.on(consumer.events.GROUP_JOIN, () => run.onJoined());
      await consumer.connect();
      let seen = 0;
      let finish: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (finish = resolve));
      await consumer.subscribe({ topics: [run.topic], fromBeginning: true });
      await consumer.run({
        autoCommit: true,
        autoCommitInterval: COMMIT_INTERVAL_MS,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 3,
        // kafkajs hands these over as closures over the batch, not methods that need `this`.
        // eslint-disable-next-line @typescript-eslint/unbound-method
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
          for (let start = 0; start < batch.messages.length; start += run.chunkSize) {
            const chunk = batch.messages.slice(start, start + run.chunkSize);
            for (const message of chunk) decodeBenchValue(message.value);
            const last = chunk[chunk.length - 1];
            if (last) resolveOffset(last.offset);
            await heartbeat();
            await commitOffsetsIfNecessary();
            seen += chunk.length;
            if (seen >= run.expected) finish();
          }
        },
      });
      await finished;
      await consumer.disconnect();
    },
    async close() {
      await producer?.disconnect();
    },
  };
}

/**
 * @platformatic/kafka set up as the wrapper would: acks -1, the Java client's murmur2 partitions
 * (its default partitioner numbers them otherwise), not idempotent unless asked. Its consumer is a
 * stream of single messages; the loop gathers each partition's messages into chunks, decodes a
 * chunk, and commits the chunk's last offset at most once a second, as the stage runner does.
 */
export function platformaticDriver(bootstrapBrokers: string[], options: { idempotent: boolean }): ClientDriver {
  const producer = new PlatformaticProducer({
    clientId: 'bench-kafka-client',
    bootstrapBrokers,
    acks: ProduceAcks.ALL,
    partitioner: compatibilityPartitioner,
    idempotent: options.idempotent,
    autocreateTopics: false,
  });
  return {
    name: options.idempotent ? '@platformatic/kafka 2.12 idempotent' : '@platformatic/kafka 2.12',
    async produce(run) {
      await sendInBatches(run, (batch) => producer.send({ messages: batch.map(({ key, value }) => ({ topic: run.topic, key, value })) }));
    },
    async consume(run) {
      const consumer = new PlatformaticConsumer({
        clientId: 'bench-kafka-client',
        groupId: run.groupId,
        bootstrapBrokers,
        sessionTimeout: 30_000,
        heartbeatInterval: 3_000,
        maxBytesPerPartition: 4 * 1024 * 1024,
      });
      consumer.once('consumer:group:join', () => run.onJoined());
      const stream = await consumer.consume({ topics: [run.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
      type Received = { value: Buffer; commit: () => void | Promise<void> };
      const pending = new Map<number, Received[]>();
      let seen = 0;
      let buffered = 0;
      let committedAt = performance.now();
      const settle = async (partition: number, chunk: Received[]) => {
        pending.delete(partition);
        buffered -= chunk.length;
        for (const message of chunk) decodeBenchValue(message.value);
        seen += chunk.length;
        const last = chunk[chunk.length - 1];
        if (last && (seen >= run.expected || performance.now() - committedAt >= COMMIT_INTERVAL_MS)) {
          await last.commit();
          committedAt = performance.now();
        }
      };
      for await (const message of stream) {
        const chunk = pending.get(message.partition) ?? [];
        if (chunk.length === 0) pending.set(message.partition, chunk);
        chunk.push(message);
        buffered += 1;
        if (chunk.length >= run.chunkSize) await settle(message.partition, chunk);
        // The benchmark knows its count; a service would also settle a chunk when no more arrive for a moment.
        if (seen + buffered >= run.expected) for (const [partition, rest] of [...pending]) await settle(partition, rest);
        if (seen >= run.expected) break;
      }
      await stream.close();
      await consumer.close();
    },
    async close() {
      await producer.close();
    },
  };
}
