import { afterAll, describe, expect, it } from 'vitest';
import { createKafka, ensureTopics, kafkaConnection } from '../../services/shared/kafka/client.js';
import { config, testLogger, uniqueName } from '../helpers/real-stack.js';

describe('creating topics on the real broker', () => {
  const topics = Array.from({ length: 6 }, (_, i) => uniqueName(`create${i}`));
  const kafka = createKafka(kafkaConnection(config), uniqueName('create'), testLogger);
  const admins = Array.from({ length: 3 }, () => kafka.admin());

  afterAll(async () => {
    await admins[0]?.deleteTopics({ topics }).catch(() => undefined);
    for (const admin of admins) await admin.disconnect();
  });

  it('leaves every partition led when several admins create the same topics at the same moment', async () => {
    await Promise.all(admins.map((admin) => admin.connect()));
    await Promise.all(admins.map((admin) => ensureTopics(admin, topics, 3)));
    const fresh = kafka.admin();
    await fresh.connect();
    try {
      const { topics: found } = await fresh.fetchTopicMetadata({ topics });
      expect(found.map((topic) => [topic.name, topic.partitions.filter((p) => p.leader >= 0).length]).sort()).toEqual(topics.map((name) => [name, 3]).sort());
    } finally {
      await fresh.disconnect();
    }
  });
});
