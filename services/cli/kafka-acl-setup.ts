import type { Admin } from 'kafkajs';
import { applyAcls, existingAcls, removeAcls } from '../shared/kafka/acl-apply.js';
import { createKafka, ensureTopics, type KafkaConnection } from '../shared/kafka/client.js';
import type { AclTarget } from '../shared/kafka/kafka-acls.js';
import { ConfigError } from '../shared/errors.js';
import { createLogger } from '../shared/observability/logger.js';
import { topicsFor } from '../shared/schemas/topics.js';
import type { CliConfig } from './config.js';

/** The topic names and group ids a config gives the pipeline: what its ACLs are written for. */
export function aclTarget(
  config: Pick<CliConfig, 'DANCU_TOPIC_NAMESPACE' | 'DANCU_INGEST_GROUP_ID' | 'DANCU_LINKER_GROUP_ID' | 'DANCU_STORE_GROUP_ID'>,
): AclTarget {
  return {
    topics: topicsFor(config.DANCU_TOPIC_NAMESPACE),
    groups: { ingest: config.DANCU_INGEST_GROUP_ID, linker: config.DANCU_LINKER_GROUP_ID, store: config.DANCU_STORE_GROUP_ID },
    namespace: config.DANCU_TOPIC_NAMESPACE,
  };
}

/**
 * What an administrator does before the services start on a secure broker: creates the
 * pipeline's topics that are missing (services may not) and makes the ACLs on them what
 * kafka-acls.ts says. `connection` must be a super user's.
 */
export async function setUpKafkaAcls(target: AclTarget, connection: KafkaConnection): Promise<{ created: number; removed: number; kept: number }> {
  return asAdministrator(connection, async (admin) => {
    // Asked first: a broker that keeps no ACLs is told as such before any topic is made on it.
    await existingAcls(admin);
    await ensureTopics(admin, Object.values(target.topics));
    return applyAcls(admin, target);
  });
}

/** Removes the rules on an isolated run's topics and groups when it is cleaned up. */
export async function tearDownKafkaAcls(target: AclTarget, connection: KafkaConnection): Promise<number> {
  return asAdministrator(connection, (admin) => removeAcls(admin, target));
}

async function asAdministrator<T>(connection: KafkaConnection, work: (admin: Admin) => Promise<T>): Promise<T> {
  // kafkajs's lines would repeat, as JSON, the error the caller is given.
  const admin = createKafka(connection, 'dancu-acl', createLogger({ level: 'silent', name: 'dancu-acl' })).admin();
  await admin.connect();
  try {
    return await work(admin).catch((error: unknown) => {
      throw securityDisabled(error, connection.brokers) ?? error;
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * A broker without an authorizer answers every ACL request "Security features are disabled": said
 * as what it means for dancu, a broker without logins, and where the secure one is.
 */
export function securityDisabled(error: unknown, brokers: readonly string[]): ConfigError | null {
  if (!(error instanceof Error) || (error as { type?: unknown }).type !== 'SECURITY_DISABLED') return null;
  return new ConfigError(
    `the broker at ${brokers.join(', ')} keeps no ACLs (it takes no logins): point DANCU_KAFKA_BROKERS at a secure broker, with DANCU_KAFKA_SECURITY=sasl_ssl and an administrator's login (\`npx dancu stack up --secure\` runs one on 127.0.0.1:9192)`,
  );
}
