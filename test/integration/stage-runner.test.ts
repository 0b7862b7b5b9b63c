import kafkajs, { type Admin, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DancuError, UnavailableError } from '../../services/shared/errors.js';
import { connectProducer, createKafka, ensureTopics, kafkaConnection } from '../../services/shared/kafka/client.js';
import { DLQ_HEADERS } from '../../services/shared/kafka/dead-letter.js';
import { topicMessageCount, totalLag } from '../../services/shared/kafka/lag.js';
import { runStage, type Outcome, type Stage, type StageMessage } from '../../services/shared/kafka/stage-runner.js';
import { createMetrics } from '../../services/shared/observability/metrics.js';
import { config, testLogger, uniqueName } from '../helpers/real-stack.js';
import { header, readTopic } from '../helpers/topic-reader.js';
import { waitUntil } from '../helpers/wait.js';

// kafkajs is CommonJS: its enums are not named exports Node can see.
const { ConfigResourceTypes } = kafkajs;

/** The broker's message.max.bytes, the largest record batch it takes (8 MiB on the stack, services/cli/stack/kafka-node.ts). */
async function brokerMaxMessageBytes(admin: Admin): Promise<number> {
  const { brokers } = await admin.describeCluster();
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.BROKER, name: String(brokers[0]?.nodeId), configNames: ['message.max.bytes'] }],
  });
  return Number(resources[0]?.configEntries[0]?.configValue);
}

describe('the stage runner on a real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];
  const topics: string[] = [];
  let maxMessageBytes = 0;

  beforeAll(async () => {
    kafka = createKafka(kafkaConnection(config), 'stage-runner-test', testLogger);
    admin = kafka.admin();
    await admin.connect();
    producer = await connectProducer(kafka);
    maxMessageBytes = await brokerMaxMessageBytes(admin);
  });

  afterEach(async () => {
    for (const consumer of consumers.splice(0)) await consumer.disconnect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  });

  /**
   * A fresh input topic and dead-letter topic with `count` messages "0".."count-1" (or the values
   * given) in each of `partitions` partitions, and a group.
   */
  async function scenario(count: number, values: Buffer[] = Array.from({ length: count }, (_, i) => Buffer.from(String(i))), partitions = 1) {
    const name = uniqueName('runner');
    const input = `${name}.in`;
    const dlq = `${name}.dlq`;
    topics.push(input, dlq);
    await ensureTopics(admin, [input, dlq], partitions);
    // One send per message: a message near the broker's limit fits only in a record batch of its own.
    for (let partition = 0; partition < partitions; partition += 1)
      for (const value of values) await producer.send({ topic: input, messages: [{ value, partition }] });
    return { input, dlq, groupId: `${name}.group` };
  }

  /** Starts a consumer of the group running the stage; `onJoin` hears the partitions of the input it holds each time it joins. */
  async function start(
    input: string,
    dlq: string,
    groupId: string,
    stage: Stage,
    fetch: { maxBytesPerPartition?: number; maxBytes?: number } = {},
    onJoin?: (partitions: number[]) => void,
  ) {
    // An idle fetch waits half a second, not kafkajs's 5 s: each test's disconnect waits for the last one.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500, ...fetch });
    consumers.push(consumer);
    if (onJoin) consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => onJoin(payload.memberAssignment[input] ?? []));
    await consumer.connect();
    await runStage({
      consumer,
      producer,
      topics: [input],
      deadLetterTopic: dlq,
      stage,
      logger: testLogger,
      metrics: createMetrics(),
      chunkSize: 10,
      partitionsConcurrently: 1,
      maxRetryDelayMs: 200,
    });
  }

  /** Waits until the group has committed every message of the input topic. */
  async function waitUntilConsumed(groupId: string, input: string): Promise<void> {
    await waitUntil(
      () => totalLag(admin, groupId, input),
      (lag) => lag === 0,
      30_000,
      'lag 0',
    );
  }

  it('retries a chunk whose dependency is away until it succeeds, losing nothing', async () => {
    const { input, dlq, groupId } = await scenario(25);
    const done = new Set<string>();
    let failuresLeft = 3;
    await start(input, dlq, groupId, {
      name: 'flaky',
      async process(messages: StageMessage[]): Promise<Outcome[]> {
        if (failuresLeft-- > 0) throw new UnavailableError('test dependency');
        for (const message of messages) done.add(String(message.value));
        return messages.map(() => ({ ok: true }));
      },
    });
    await waitUntilConsumed(groupId, input);
    expect([done.size, await topicMessageCount(admin, dlq)]).toEqual([25, 0]);
  });

  it('dead-letters only the message at fault and processes its neighbours', async () => {
    const { input, dlq, groupId } = await scenario(20);
    const done: string[] = [];
    await start(input, dlq, groupId, {
      name: 'picky',
      async process(messages: StageMessage[]): Promise<Outcome[]> {
        if (messages.some((message) => String(message.value) === '7')) throw new DancuError('VALIDATION_FAILED', 'seven is bad', { retriable: false });
        done.push(...messages.map((message) => String(message.value)));
        return messages.map(() => ({ ok: true }));
      },
    });
    const [letter] = await readTopic(kafka, dlq, 1);
    await waitUntilConsumed(groupId, input);
    expect([String(letter?.value), header(letter!, DLQ_HEADERS.reason), header(letter!, DLQ_HEADERS.offset), done.length]).toEqual([
      '7',
      'VALIDATION_FAILED',
      '7',
      19,
    ]);
  });

  it('gives the messages isolated around a fault a settled point before the fault, which is not dead-lettered yet', async () => {
    const { input, dlq, groupId } = await scenario(20);
    const alone: { offset: number; settledBefore: number }[] = [];
    await start(input, dlq, groupId, {
      name: 'picky',
      async process(messages: StageMessage[], position): Promise<Outcome[]> {
        if (messages.length === 1) alone.push({ offset: Number(messages[0]!.offset), settledBefore: Number(position.settledBefore) });
        if (messages.some((message) => String(message.value) === '7')) throw new DancuError('VALIDATION_FAILED', 'seven is bad', { retriable: false });
        return messages.map(() => ({ ok: true }));
      },
    });
    await waitUntilConsumed(groupId, input);
    const afterTheFault = alone.filter((call) => call.offset > 7);
    expect([afterTheFault.length > 0, afterTheFault.every((call) => call.settledBefore <= 7)]).toEqual([true, true]);
  });

  it('does not commit the offset of work that is not done', async () => {
    const { input, dlq, groupId } = await scenario(5);
    let attempts = 0;
    await start(input, dlq, groupId, {
      name: 'stuck',
      async process(): Promise<Outcome[]> {
        attempts += 1;
        throw new UnavailableError('test dependency');
      },
    });
    await waitUntil(
      async () => attempts,
      (n) => n >= 4,
      30_000,
      'four failed attempts',
    );
    expect([await totalLag(admin, groupId, input), await topicMessageCount(admin, dlq)]).toEqual([5, 0]);
  });

  /** A stage that refuses every message larger than a kilobyte. */
  const refusesLarge: Stage = {
    name: 'picky',
    async process(messages: StageMessage[]): Promise<Outcome[]> {
      return messages.map((message) =>
        (message.value?.length ?? 0) > 1_024 ? { ok: false, error: new DancuError('PAYLOAD_TOO_LARGE', 'too large', { retriable: false }) } : { ok: true },
      );
    },
  };

  it("dead-letters a message just under the broker's limit (message.max.bytes) without its value, and goes on consuming", async () => {
    const { input, dlq, groupId } = await scenario(3, [Buffer.from('a'), Buffer.alloc(maxMessageBytes - 256, 120), Buffer.from('b')]);
    await start(input, dlq, groupId, refusesLarge);
    const [letter] = await readTopic(kafka, dlq, 1);
    await waitUntilConsumed(groupId, input);
    expect([
      letter?.value,
      header(letter!, DLQ_HEADERS.offset),
      header(letter!, DLQ_HEADERS.reason),
      header(letter!, DLQ_HEADERS.valueOmitted)?.split(';')[0],
    ]).toEqual([null, '1', 'PAYLOAD_TOO_LARGE', `${maxMessageBytes - 256} bytes of value, the key and the original headers`]);
  });

  it('dead-letters two messages of one chunk whose letters fit the broker only apart, each with its value', async () => {
    const half = Math.floor(maxMessageBytes * 0.6);
    const { input, dlq, groupId } = await scenario(2, [Buffer.alloc(half, 121), Buffer.alloc(half, 122)]);
    // A fetch that brings both in one batch, as the services' 4 MiB per partition does with messages under a broker's default 1 MiB.
    await start(input, dlq, groupId, refusesLarge, { maxBytesPerPartition: 3 * maxMessageBytes, maxBytes: 3 * maxMessageBytes });
    const letters = await readTopic(kafka, dlq, 2);
    await waitUntilConsumed(groupId, input);
    expect(letters.map((letter) => [header(letter, DLQ_HEADERS.offset), letter.value?.length])).toEqual([
      ['0', half],
      ['1', half],
    ]);
  });

  it('lets a second instance join while the first retries a partition stuck on a fault: the group rebalances within seconds, not after evicting the first', async () => {
    const { input, dlq, groupId } = await scenario(3, undefined, 2);
    let refusals = 0;
    const stuckOnPartition0: Stage = {
      name: 'stuck',
      async process(messages: StageMessage[]): Promise<Outcome[]> {
        if (messages[0]?.partition === 0) {
          refusals += 1;
          throw new UnavailableError('test dependency');
        }
        return messages.map(() => ({ ok: true }));
      },
    };
    /** Each instance's partitions of the input, as of the last generation it joined. */
    const held = new Map<string, number[]>();
    const track = (name: string) => (partitions: number[]) => held.set(name, partitions);
    await start(input, dlq, groupId, stuckOnPartition0, {}, track('first'));
    await waitUntil(
      async () => refusals,
      (n) => n >= 3,
      30_000,
      'partition 0 refused three times',
    );
    // kafkajs's default rebalance timeout is 60 s: a member that never rejoins holds the group that long, then is dropped.
    const second = start(input, dlq, groupId, stuckOnPartition0, {}, track('second'));
    const assignment = await waitUntil(
      async () => [...held.entries()].map(([name, partitions]) => `${name}:${partitions.length}`).sort(),
      (sizes) => sizes.join() === 'first:1,second:1',
      20_000,
      'one partition for each instance',
    );
    await second;
    expect(assignment).toEqual(['first:1', 'second:1']);
  });
});
