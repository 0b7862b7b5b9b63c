import kafkajs, { type Admin } from 'kafkajs';

// kafkajs is CommonJS: its enums are not named exports Node can see.
const { ConfigResourceTypes } = kafkajs;

/** How many copies a topic's partitions keep, and how many must hold a write before acks=all answers. */
export interface TopicReplication {
  replicationFactor: number;
  minInsyncReplicas: number;
}

/** What a cluster's brokers are set to give a topic created without settings of its own. */
export interface ClusterDefaults {
  defaultReplicationFactor: number;
  minInsyncReplicas: number;
}

/**
 * dancu's topics take the cluster's own replication factor (`default.replication.factor`: 1 on
 * the quick start's single broker, 3 on `stack up --brokers 3` or a production cluster), so
 * nothing in dancu is hard-coded to one broker. `min.insync.replicas` is at least 2 once a
 * partition has 3 copies or more (an acknowledged write then survives the loss of its leader)
 * and at most one less than the copies (writes go on while one broker is down): a cluster that
 * leaves Kafka's default of 1 does not make dancu's acks=all writes weaker than that.
 */
export function topicReplication(cluster: ClusterDefaults): TopicReplication {
  const replicationFactor = Math.max(1, cluster.defaultReplicationFactor);
  if (replicationFactor === 1) return { replicationFactor, minInsyncReplicas: 1 };
  const wanted = replicationFactor >= 3 ? Math.max(2, cluster.minInsyncReplicas) : cluster.minInsyncReplicas;
  return { replicationFactor, minInsyncReplicas: Math.min(replicationFactor - 1, Math.max(1, wanted)) };
}

const NAMES = { replication: 'default.replication.factor', minInsync: 'min.insync.replicas' } as const;

/** The defaults one live broker of the cluster reports (every broker of a cluster is set alike). */
export async function clusterDefaults(admin: Admin): Promise<ClusterDefaults> {
  const { brokers } = await admin.describeCluster();
  const broker = brokers[0];
  if (broker === undefined) throw new Error('the Kafka cluster reports no live broker');
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.BROKER, name: String(broker.nodeId), configNames: [NAMES.replication, NAMES.minInsync] }],
  });
  const entries = new Map((resources[0]?.configEntries ?? []).map((entry) => [entry.configName, Number(entry.configValue)]));
  return { defaultReplicationFactor: entries.get(NAMES.replication) ?? 1, minInsyncReplicas: entries.get(NAMES.minInsync) ?? 1 };
}
