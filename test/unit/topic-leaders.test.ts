import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { waitForLeaders } from '../../services/shared/kafka/client.js';

/** A broker's answers to metadata requests, one per request, as a KRaft broker gave them in CI right after creating a topic. */
function answering(answers: Array<{ leader: number } | { type: string }>): Admin & { asked: number } {
  const admin = {
    asked: 0,
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      const answer = answers[Math.min(admin.asked++, answers.length - 1)]!;
      if ('type' in answer) throw Object.assign(new Error(answer.type), { name: 'KafkaJSProtocolError', type: answer.type });
      return { topics: topics.map((name) => ({ name, partitions: [0, 1, 2].map((partitionId) => ({ partitionId, leader: answer.leader })) })) };
    },
  };
  return admin as unknown as Admin & { asked: number };
}

describe('waiting for new topics to have leaders', () => {
  it('asks again while the broker does not know the topic yet', async () => {
    const admin = answering([{ type: 'UNKNOWN_TOPIC_OR_PARTITION' }, { type: 'UNKNOWN_TOPIC_OR_PARTITION' }, { leader: 1 }]);
    await waitForLeaders(admin, ['t'], 3);
    expect(admin.asked).toBe(3);
  });

  it('asks again while a partition has no leader', async () => {
    const admin = answering([{ type: 'LEADER_NOT_AVAILABLE' }, { leader: -1 }, { leader: 1 }]);
    await waitForLeaders(admin, ['t'], 3);
    expect(admin.asked).toBe(3);
  });

  it('passes on at once an error that does not mean "not yet"', async () => {
    const admin = answering([{ type: 'TOPIC_AUTHORIZATION_FAILED' }, { leader: 1 }]);
    await expect(waitForLeaders(admin, ['t'], 3)).rejects.toThrow('TOPIC_AUTHORIZATION_FAILED');
    expect(admin.asked).toBe(1);
  });

  it('gives up at its deadline with a retriable error naming the topics', async () => {
    const admin = answering([{ type: 'UNKNOWN_TOPIC_OR_PARTITION' }]);
    await expect(waitForLeaders(admin, ['t1', 't2'], 3, 250)).rejects.toMatchObject({
      code: 'KAFKA_TOPIC_NOT_READY',
      retriable: true,
      message: expect.stringContaining('t1, t2'),
    });
  });
});
