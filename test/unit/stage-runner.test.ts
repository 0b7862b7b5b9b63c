import { Writable } from 'node:stream';
import {
  KafkaJSConnectionError,
  KafkaJSProtocolError,
  type Consumer,
  type ConsumerRunConfig,
  type EachBatchPayload,
  type IHeaders,
  type Message,
} from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { asDancuError, DancuError, UnavailableError } from '../../services/shared/errors.js';
import type { DancuProducer } from '../../services/shared/kafka/client.js';
import { DLQ_HEADERS } from '../../services/shared/kafka/dead-letter.js';
import { runStage, type Outcome, type Stage, type StageMessage } from '../../services/shared/kafka/stage-runner.js';
import { createLogger } from '../../services/shared/observability/logger.js';
import { createMetrics } from '../../services/shared/observability/metrics.js';

/**
 * The runner's own logic against fakes of the two things it is given, a consumer (which hands it
 * one batch) and a producer (which can refuse what the broker would). What a real broker does is
 * test/integration/stage-runner.test.ts's.
 */

const INPUT = 'sector.test.v1';
const DLQ = 'dlq.test.v1';
const FEEDBACK = 'feedback.test.v1';

interface Sent {
  topic: string;
  message: Message;
}

/** A producer that records what it is sent, one send at a time, unless `refuse` names an error for a send. */
function fakeProducer(refuse: (topic: string, messages: Message[]) => Error | undefined = () => undefined) {
  const sent: Sent[] = [];
  const sends: Sent[][] = [];
  const producer: DancuProducer = {
    send: (record) => producer.sendBatch({ topicMessages: [record], acks: record.acks }),
    sendBatch: async ({ topicMessages = [] }) => {
      for (const { topic, messages } of topicMessages) {
        const refusal = refuse(topic, messages);
        if (refusal) throw refusal;
      }
      const these = topicMessages.flatMap(({ topic, messages }) => messages.map((message) => ({ topic, message })));
      sends.push(these);
      sent.push(...these);
      return [];
    },
    disconnect: async () => undefined,
  };
  return { producer, sent, sends };
}

/** A broker's error code as kafkajs hands it back (node_modules/kafkajs/src/protocol/error.js). */
function protocolError(type: string, code: number, message: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type, code, retriable: false }));
}

/** The broker's answer to a record batch over its message.max.bytes. */
const tooLarge = () => protocolError('MESSAGE_TOO_LARGE', 10, 'The request included a message larger than the max message size the server will accept');
/** The coordinator's answer to a heartbeat or commit while the group rebalances: kafkajs rejoins when it leaves a batch. */
const rebalancing = () => protocolError('REBALANCE_IN_PROGRESS', 27, 'The group is rebalancing, so a rejoin is needed');

function bytes(message: Message): number {
  const headers = Object.entries(message.headers ?? {}).reduce((sum, [name, value]) => sum + name.length + String(value).length, 0);
  return (message.value?.length ?? 0) + headers;
}

/** A broker that refuses any send of more than `limit` bytes to one topic. */
function brokerLimit(limit: number) {
  return (_topic: string, messages: Message[]) => (messages.reduce((sum, message) => sum + bytes(message), 0) > limit ? tooLarge() : undefined);
}

function capture() {
  const lines: { level: number; msg: string; code?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string; code?: string });
      callback();
    },
  });
  return { lines, logger: createLogger({ level: 'debug' }, stream) };
}

/** Starts the runner over the stage, as a service does, and returns the handler it gave the consumer for each batch. */
async function startRunner(
  stage: Stage,
  producer: DancuProducer,
  logger = capture().logger,
  extra: { maxSendBytes?: number } = {},
): Promise<(payload: EachBatchPayload) => Promise<void>> {
  let eachBatch: ConsumerRunConfig['eachBatch'];
  const consumer = {
    subscribe: async () => undefined,
    run: async (config: ConsumerRunConfig) => {
      eachBatch = config.eachBatch;
    },
  } as unknown as Consumer;
  await runStage({
    consumer,
    producer,
    topics: [INPUT],
    deadLetterTopic: DLQ,
    stage,
    logger,
    metrics: createMetrics(),
    chunkSize: 10,
    partitionsConcurrently: 1,
    maxRetryDelayMs: 1,
    ...extra,
  });
  return eachBatch!;
}

/** A batch of `values` (offsets 0..n-1) of one partition of the input, and the offset the runner resolved last in it. */
function batchOf(values: (string | Buffer)[], partition = 0): { payload: EachBatchPayload; resolved: () => string | null } {
  let resolved: string | null = null;
  const payload = {
    batch: {
      topic: INPUT,
      partition,
      messages: values.map((value, index) => ({ offset: String(index), key: null, value: Buffer.from(value), headers: {}, timestamp: '0', attributes: 0 })),
    },
    resolveOffset: (offset: string) => {
      resolved = offset;
    },
    heartbeat: async () => undefined,
    commitOffsetsIfNecessary: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { payload, resolved: () => resolved };
}

/** Runs the stage over one batch of `values` (offsets 0..n-1) and returns the offset the runner resolved last. */
async function runBatch(
  stage: Stage,
  values: (string | Buffer)[],
  producer: DancuProducer,
  logger = capture().logger,
  extra: { maxSendBytes?: number } = {},
): Promise<string | null> {
  const eachBatch = await startRunner(stage, producer, logger, extra);
  const { payload, resolved } = batchOf(values);
  await eachBatch(payload);
  return resolved();
}

/** A stage that refuses every message whose value starts with `bad`, and tells the publisher of each. */
function pickyStage(): Stage {
  return {
    name: 'picky',
    async process(messages: StageMessage[]): Promise<Outcome[]> {
      return messages.map((message) =>
        String(message.value).startsWith('bad') ? { ok: false, error: new DancuError('VALIDATION_FAILED', 'bad', { retriable: false }) } : { ok: true },
      );
    },
    async feedback(message: StageMessage) {
      return { topic: FEEDBACK, message: { key: null, value: message.value } };
    },
  };
}

const header = (message: Message, name: string) => {
  const value = (message.headers as IHeaders | undefined)?.[name];
  return value === undefined ? undefined : String(value);
};
const lettersOf = (sent: Sent[]) => sent.filter((each) => each.topic === DLQ).map((each) => each.message);

describe('the stage runner with dead letters the broker refuses', () => {
  it("sends a chunk's dead letters in sends the broker's limit allows, each with its value", async () => {
    const { producer, sent, sends } = fakeProducer(brokerLimit(3_000));
    const big = `bad${'x'.repeat(1_500)}`;
    const resolved = await runBatch(pickyStage(), [big, 'ok', big], producer, undefined, { maxSendBytes: 2_500 });
    const letters = lettersOf(sent);
    expect([resolved, letters.map((letter) => letter.value?.length), sends.every((send) => send.length > 0)]).toEqual(['2', [1_503, 1_503], true]);
  });

  it('sends a dead letter the broker refuses alone without its value, with the topic, partition, offset and reason of the message', async () => {
    const { producer, sent } = fakeProducer(brokerLimit(3_000));
    const resolved = await runBatch(pickyStage(), ['ok', `bad${'x'.repeat(5_000)}`], producer);
    const [letter] = lettersOf(sent);
    expect([
      resolved,
      letter?.value ?? null,
      header(letter!, DLQ_HEADERS.topic),
      header(letter!, DLQ_HEADERS.partition),
      header(letter!, DLQ_HEADERS.offset),
      header(letter!, DLQ_HEADERS.reason),
      header(letter!, DLQ_HEADERS.valueOmitted)?.startsWith('5003 bytes'),
    ]).toEqual(['1', null, INPUT, '0', '1', 'VALIDATION_FAILED', true]);
  });

  it("sends the dead letter when the broker refuses the publisher's feedback", async () => {
    const { producer, sent } = fakeProducer((topic) => (topic === FEEDBACK ? tooLarge() : undefined));
    const resolved = await runBatch(pickyStage(), ['bad-1', 'ok'], producer);
    expect([resolved, lettersOf(sent).map((letter) => String(letter.value))]).toEqual(['1', ['bad-1']]);
  });

  it('never lets an error that is not retriable out of a batch: a dead letter refused for another reason than its size waits and is tried again', async () => {
    let refusals = 3;
    const { producer, sent } = fakeProducer((topic) =>
      topic === DLQ && refusals-- > 0 ? new DancuError('KAFKA_REFUSED', 'refused', { retriable: false }) : undefined,
    );
    const resolved = await runBatch(pickyStage(), ['ok', 'bad-1'], producer);
    expect([resolved, lettersOf(sent).map((letter) => String(letter.value))]).toEqual(['1', ['bad-1']]);
  });
});

describe('the stage runner with a stage that returns the wrong number of outcomes', () => {
  it('dead-letters the message a stage returned no outcome for as an internal error, and processes its neighbours', async () => {
    const done: string[] = [];
    const forgetful: Stage = {
      name: 'forgetful',
      async process(messages: StageMessage[]): Promise<Outcome[]> {
        const kept = messages.filter((message) => String(message.value) !== 'forgotten');
        done.push(...kept.map((message) => String(message.value)));
        return kept.map(() => ({ ok: true }));
      },
    };
    const { producer, sent } = fakeProducer();
    const resolved = await runBatch(forgetful, ['a', 'forgotten', 'b'], producer);
    const letters = lettersOf(sent);
    expect([resolved, letters.map((letter) => [String(letter.value), header(letter, DLQ_HEADERS.reason)]), done.includes('b')]).toEqual([
      '2',
      [['forgotten', 'INTERNAL_ERROR']],
      true,
    ]);
  });
});

describe('the stage runner with a chunk the stage refuses as a whole', () => {
  it('processes its messages one at a time and says so once, naming the error, when each goes through alone', async () => {
    const alone: string[] = [];
    const wholeRefused: Stage = {
      name: 'store',
      async process(messages: StageMessage[]): Promise<Outcome[]> {
        if (messages.length > 1)
          throw new DancuError('STORE_REJECTED_21000', 'ON CONFLICT DO UPDATE command cannot affect row a second time', { retriable: false });
        alone.push(String(messages[0]!.value));
        return [{ ok: true }];
      },
    };
    const { producer, sent } = fakeProducer();
    const { lines, logger } = capture();
    const resolved = await runBatch(wholeRefused, ['a', 'b', 'c'], producer, logger);
    const told = lines.filter((line) => line.code === 'STORE_REJECTED_21000').map((line) => [line.level, line.msg]);
    expect([resolved, alone, lettersOf(sent).length, told]).toEqual([
      '2',
      ['a', 'b', 'c'],
      0,
      [[40, 'chunk refused as a whole; its messages are processed one at a time']],
    ]);
  });
});

describe('the stage runner with a fault of the deployment', () => {
  it('waits for a missing grant instead of dead-lettering, naming the fault once when it begins and once when it ends', async () => {
    let refusals = 4;
    const store: Stage = {
      name: 'store',
      async process(messages: StageMessage[]): Promise<Outcome[]> {
        if (refusals-- > 0) throw asDancuError(Object.assign(new Error('permission denied for table citizens'), { code: '42501' }));
        return messages.map(() => ({ ok: true }));
      },
    };
    const { producer, sent } = fakeProducer();
    const { lines, logger } = capture();
    const resolved = await runBatch(store, ['a', 'b'], producer, logger);
    const told = lines.filter((line) => line.code === 'STORE_REJECTED_42501' && line.level >= 30).map((line) => line.msg);
    expect([resolved, lettersOf(sent).length, told]).toEqual(['1', 0, ['deployment fault: work waits until it is fixed', 'deployment fault cleared']]);
  });

  it('waits for a database that does not exist instead of dead-lettering every message', async () => {
    let refusals = 3;
    const store: Stage = {
      name: 'store',
      async process(messages: StageMessage[]): Promise<Outcome[]> {
        if (refusals-- > 0) throw Object.assign(new Error('database "register" does not exist'), { code: '3D000' });
        return messages.map(() => ({ ok: true }));
      },
    };
    const { producer, sent } = fakeProducer();
    const resolved = await runBatch(store, ['a', 'b'], producer);
    expect([resolved, lettersOf(sent).length]).toEqual(['1', 0]);
  });

  /** A store refused a grant the messages of the partitions `missing` need, until a partition is `fixed`; counts each partition's refusals. */
  const grantMissingFor = (missing: number[]) => {
    const state = { fixed: new Set<number>(), refusals: new Map<number, number>() };
    const store: Stage = {
      name: 'store',
      async process(messages: StageMessage[]): Promise<Outcome[]> {
        const partition = messages[0]?.partition ?? -1;
        if (missing.includes(partition) && !state.fixed.has(partition)) {
          state.refusals.set(partition, (state.refusals.get(partition) ?? 0) + 1);
          throw asDancuError(Object.assign(new Error('permission denied for table citizen_facts'), { code: '42501' }));
        }
        return messages.map(() => ({ ok: true }));
      },
    };
    /** Until the partition has been refused more times than it had been before. */
    const refusedAgain = async (partition: number) => {
      const before = state.refusals.get(partition) ?? 0;
      await vi.waitFor(() => expect(state.refusals.get(partition) ?? 0).toBeGreaterThan(before));
    };
    return { state, store, refusedAgain };
  };
  const faultLines = (lines: ReturnType<typeof capture>['lines']) =>
    lines.filter((line) => line.code === 'STORE_REJECTED_42501' && line.level >= 30).map((line) => line.msg);
  const EPISODE = ['deployment fault: work waits until it is fixed', 'deployment fault cleared'];

  it("keeps a partition's deployment fault open while another partition's chunks go through, and names its end once the partition's own chunk does", async () => {
    const { state, store, refusedAgain } = grantMissingFor([0]);
    const { lines, logger } = capture();
    const eachBatch = await startRunner(store, fakeProducer().producer, logger);
    const stuck = batchOf(['a', 'b'], 0);
    const waiting = eachBatch(stuck.payload);
    await refusedAgain(0);
    const other = batchOf(['c'], 1);
    await eachBatch(other.payload);
    await refusedAgain(0);
    state.fixed.add(0);
    await waiting;
    expect([other.resolved(), stuck.resolved(), faultLines(lines)]).toEqual(['0', '1', EPISODE]);
  });

  it('names a deployment fault two partitions wait on once, and its end once the last of them goes through', async () => {
    const { state, store, refusedAgain } = grantMissingFor([0, 1]);
    const { lines, logger } = capture();
    const eachBatch = await startRunner(store, fakeProducer().producer, logger);
    const [first, second] = [batchOf(['a'], 0), batchOf(['b'], 1)];
    const waiting = [eachBatch(first.payload), eachBatch(second.payload)];
    await Promise.all([refusedAgain(0), refusedAgain(1)]);
    state.fixed.add(1);
    await waiting[1];
    await refusedAgain(0);
    const whileOneWaits = faultLines(lines);
    state.fixed.add(0);
    await waiting[0];
    expect([whileOneWaits, faultLines(lines)]).toEqual([EPISODE.slice(0, 1), EPISODE]);
  });

  it('ends the episode of a partition whose batch a rebalance ended while it waited, without calling the fault cleared, so a later fault is named again', async () => {
    const { store, refusedAgain } = grantMissingFor([0, 1]);
    const { lines, logger } = capture();
    const eachBatch = await startRunner(store, fakeProducer().producer, logger);
    let rebalance = false;
    const given = batchOf(['a'], 0);
    const waiting = eachBatch(
      Object.assign(given.payload, {
        heartbeat: async () => {
          if (rebalance) throw rebalancing();
        },
      }),
    ).catch(() => undefined);
    await refusedAgain(0);
    rebalance = true;
    await waiting;
    let stopping = false;
    const later = eachBatch(Object.assign(batchOf(['b'], 1).payload, { isRunning: () => !stopping }));
    await refusedAgain(1);
    const told = faultLines(lines);
    stopping = true;
    await later;
    expect([given.resolved(), told]).toEqual([null, [EPISODE[0], 'deployment fault no longer waited on here', EPISODE[0]]]);
  });
});

describe('the stage runner when its group rebalances while a chunk waits to be tried again', () => {
  /** A stage whose dependency is away for the first `refusals` tries; counts the tries. */
  const awayFor = (refusals: number) => {
    const tries = { count: 0 };
    const stage: Stage = {
      name: 'flaky',
      async process(messages: StageMessage[]): Promise<Outcome[]> {
        tries.count += 1;
        if (tries.count <= refusals) throw new UnavailableError('test dependency');
        return messages.map(() => ({ ok: true }));
      },
    };
    return { stage, tries };
  };

  it("leaves the batch with kafkajs's rebalancing error at the heartbeat after a failed try, resolving nothing, so kafkajs rejoins the group", async () => {
    const { stage, tries } = awayFor(5);
    const eachBatch = await startRunner(stage, fakeProducer().producer);
    const { payload, resolved } = batchOf(['a', 'b']);
    const left = await eachBatch(Object.assign(payload, { heartbeat: () => Promise.reject(rebalancing()) })).catch((error: unknown) => error);
    expect([(left as { type?: string } | undefined)?.type, resolved(), tries.count]).toEqual(['REBALANCE_IN_PROGRESS', null, 1]);
  });

  it('leaves the batch when the commit after a failed try finds that the group no longer knows this member', async () => {
    const { stage, tries } = awayFor(5);
    const eachBatch = await startRunner(stage, fakeProducer().producer);
    const { payload, resolved } = batchOf(['a', 'b']);
    const unknown = protocolError('UNKNOWN_MEMBER_ID', 25, 'The coordinator is not aware of this member');
    const left = await eachBatch(Object.assign(payload, { commitOffsetsIfNecessary: () => Promise.reject(unknown) })).catch((error: unknown) => error);
    expect([left, resolved(), tries.count]).toEqual([unknown, null, 1]);
  });

  it('stops without rejoining when the commit after a failed try meets a rebalance while the consumer is stopping', async () => {
    const { stage, tries } = awayFor(5);
    const eachBatch = await startRunner(stage, fakeProducer().producer);
    const { payload, resolved } = batchOf(['a', 'b']);
    let running = true;
    const commitOffsetsIfNecessary = () => {
      running = false;
      return Promise.reject(rebalancing());
    };
    const left = await eachBatch(Object.assign(payload, { commitOffsetsIfNecessary, isRunning: () => running })).then(
      () => 'returned',
      (error: unknown) => error,
    );
    expect([left, resolved(), tries.count]).toEqual(['returned', null, 1]);
  });

  it('keeps trying the chunk when a heartbeat fails for another reason than the group', async () => {
    const { stage } = awayFor(3);
    const eachBatch = await startRunner(stage, fakeProducer().producer);
    const { payload, resolved } = batchOf(['a', 'b']);
    let failures = 3;
    const heartbeat = async () => {
      if (failures-- > 0) throw new KafkaJSConnectionError('Connection error: ECONNREFUSED');
    };
    await eachBatch(Object.assign(payload, { heartbeat }));
    expect(resolved()).toBe('1');
  });
});
