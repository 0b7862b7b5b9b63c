import { describe, expect, it } from 'vitest';
import { clusterBrokers, clusterNodes } from '../../services/cli/stack/kafka-cluster.js';
import { topicReplication } from '../../services/shared/kafka/topic-replication.js';

describe('how many copies dancu gives its topics', () => {
  it('keeps one copy on a single broker, as the quick start runs', () => {
    expect(topicReplication({ defaultReplicationFactor: 1, minInsyncReplicas: 1 })).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
  });

  it('keeps three copies with two in sync on a cluster set to three', () => {
    expect(topicReplication({ defaultReplicationFactor: 3, minInsyncReplicas: 2 })).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('asks for two copies in sync on a cluster of three that leaves Kafka its default of one', () => {
    expect(topicReplication({ defaultReplicationFactor: 3, minInsyncReplicas: 1 })).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('leaves one copy free to be away, whatever the cluster asks', () => {
    expect(topicReplication({ defaultReplicationFactor: 3, minInsyncReplicas: 3 })).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(topicReplication({ defaultReplicationFactor: 2, minInsyncReplicas: 2 })).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
  });

  it('keeps a larger cluster minimum when five copies leave room for it', () => {
    expect(topicReplication({ defaultReplicationFactor: 5, minInsyncReplicas: 3 })).toEqual({ replicationFactor: 5, minInsyncReplicas: 3 });
  });
});

describe('the nodes of the stack cluster', () => {
  const options = { host: '127.0.0.1', port: 9092, nodes: 3, heapMb: 512, folder: '/tmp/cluster', logs: '/tmp/logs' };

  it('gives each node a client port and the controller port after it, two apart', () => {
    expect(clusterNodes(options).map((node) => [node.id, node.clientPort, node.controllerPort])).toEqual([
      [1, 9092, 9093],
      [2, 9094, 9095],
      [3, 9096, 9097],
    ]);
  });

  it('gives clients every node, so any one may be away', () => {
    expect(clusterBrokers(options)).toEqual(['127.0.0.1:9092', '127.0.0.1:9094', '127.0.0.1:9096']);
  });
});
