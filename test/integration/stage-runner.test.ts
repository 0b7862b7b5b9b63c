import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
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

describe('the stage runner on a real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const consumers: Consumer[] = [];
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = createKafka(kafkaConnection(config), 'stage-runner-test', testLogger);
    admin = kafka.admin();
    await admin.connect();
    producer = await connectProducer(kafka);
  });

  afterEach(async () => {
    for (const consumer of consumers.splice(0)) await consumer.disconnect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  });

  /** A fresh input topic and dead-letter topic with `count` messages "0".."count-1", and a group. */
  async function scenario(count: number) {
    const name = uniqueName('runner');
    const input = `${name}.in`;
    const dlq = `${name}.dlq`;
    topics.push(input, dlq);
    await ensureTopics(admin, [input, dlq], 1);
    await producer.send({ topic: input, messages: Array.from({ length: count }, (_, i) => ({ value: String(i) })) });
    return { input, dlq, groupId: `${name}.group` };
  }

  async function start(input: string, dlq: string, groupId: string, stage: Stage) {
    // An idle fetch waits half a second, not kafkajs's 5 s: each test's disconnect waits for the last one.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 500 });
    consumers.push(consumer);
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
});
