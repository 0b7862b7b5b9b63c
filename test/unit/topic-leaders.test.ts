import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { waitForLeaders } from '../../services/shared/kafka/client.js';

type Answer = { leaders: number[] } | { type: string } | { retriedType: string };

/**
 * A broker's answers to metadata requests, one per request (the last one repeats), in the shapes
 * kafkajs hands them on: a partition list, a protocol error it passes through (UNKNOWN_TOPIC_OR_PARTITION,
 * as a KRaft broker gave it in CI right after a creation), or one it retried until its retries ran out
 * (LEADER_NOT_AVAILABLE), wrapped as KafkaJSNumberOfRetriesExceeded.
 */
function answering(answers: Answer[]): Admin & { asked: number } {
  const protocolError = (type: string) => Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type });
  const admin = {
    asked: 0,
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      const answer = answers[Math.min(admin.asked++, answers.length - 1)]!;
      if ('type' in answer) throw protocolError(answer.type);
      if ('retriedType' in answer) {
        throw Object.assign(new Error(answer.retriedType, { cause: protocolError(answer.retriedType) }), { name: 'KafkaJSNumberOfRetriesExceeded' });
      }
      return { topics: topics.map((name) => ({ name, partitions: answer.leaders.map((leader, partitionId) => ({ partitionId, leader })) })) };
    },
  };
  return admin as unknown as Admin & { asked: number };
}

describe('waiting for new topics to have leaders', () => {
  it('asks again while the broker does not know the topic yet', async () => {
    const admin = answering([{ type: 'UNKNOWN_TOPIC_OR_PARTITION' }, { type: 'UNKNOWN_TOPIC_OR_PARTITION' }, { leaders: [1, 1, 1] }]);
    await waitForLeaders(admin, ['t']);
    expect(admin.asked).toBe(3);
  });

  it('asks again when kafkajs gives up retrying a leader that is not available', async () => {
    const admin = answering([{ retriedType: 'LEADER_NOT_AVAILABLE' }, { leaders: [1, 1, 1] }]);
    await waitForLeaders(admin, ['t']);
    expect(admin.asked).toBe(2);
  });

  it('asks again while a partition has no leader', async () => {
    const admin = answering([{ leaders: [1, -1, 1] }, { leaders: [1, 1, 1] }]);
    await waitForLeaders(admin, ['t']);
    expect(admin.asked).toBe(2);
  });

  it('takes a topic another service created with fewer partitions, once they are led', async () => {
    const admin = answering([{ leaders: [1] }]);
    await waitForLeaders(admin, ['t']);
    expect(admin.asked).toBe(1);
  });

  it('passes on at once an error that does not mean "not yet"', async () => {
    const admin = answering([{ type: 'TOPIC_AUTHORIZATION_FAILED' }, { leaders: [1, 1, 1] }]);
    await expect(waitForLeaders(admin, ['t'])).rejects.toThrow('TOPIC_AUTHORIZATION_FAILED');
    expect(admin.asked).toBe(1);
  });

  it('gives up at its deadline with a retriable error naming the topics', async () => {
    const admin = answering([{ type: 'UNKNOWN_TOPIC_OR_PARTITION' }]);
    await expect(waitForLeaders(admin, ['t1', 't2'], 250)).rejects.toMatchObject({
      code: 'KAFKA_TOPIC_NOT_READY',
      retriable: true,
      message: expect.stringContaining('t1, t2'),
    });
  });
});
