import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { aclTarget, setUpKafkaAcls } from '../../services/cli/kafka-acl-setup.js';
import { kafkaConnection } from '../../services/shared/kafka/client.js';
import { ConfigError } from '../../services/shared/errors.js';
import { config, uniqueName } from '../helpers/real-stack.js';

/** `dancu acl apply` pointed at the stack's plain broker, which has no authorizer. */
describe('dancu acl apply on a broker that keeps no ACLs', () => {
  const namespace = uniqueName('aclplain');
  const target = aclTarget({
    DANCU_TOPIC_NAMESPACE: namespace,
    DANCU_INGEST_GROUP_ID: `${namespace}-ingest`,
    DANCU_LINKER_GROUP_ID: `${namespace}-linker`,
    DANCU_STORE_GROUP_ID: `${namespace}-store`,
  });
  const admin = new Kafka({ brokers: config.DANCU_KAFKA_BROKERS, logLevel: logLevel.NOTHING }).admin();

  afterAll(async () => {
    const left = (await admin.listTopics()).filter((topic) => topic.startsWith(namespace));
    if (left.length > 0) await admin.deleteTopics({ topics: left });
    await admin.disconnect();
  });

  it('says the broker keeps no ACLs and makes none of the pipeline topics', async () => {
    await admin.connect();
    const error = await setUpKafkaAcls(target, kafkaConnection(config)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/keeps no ACLs/);
    const made = (await admin.listTopics()).filter((topic) => Object.values(target.topics).includes(topic));
    expect(made).toEqual([]);
  });
});
