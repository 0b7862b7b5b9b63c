import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../shared/paths.js';

/** Where the local stack keeps jars, data, pid files and logs (one folder, removed by hand only). */
export interface StackLayout {
  root: string;
  logs: string;
  kafkaLibs: string;
  kafkaData: string;
  kafkaConfig: string;
  /** The nodes of `stack up --brokers 3`, one folder each (data, settings, pid file), apart from the single broker's. */
  kafkaCluster: string;
  apicurio: string;
  postgresData: string;
  /** The register's passwords for `stack up --secure`: one file per login (the owner, each service's role), mode 600. */
  postgresSecrets: string;
  /** Kafka Connect's classpath, its plugin path (one folder per plugin) and worker settings. */
  connectLibs: string;
  connectPlugins: string;
  connectConfig: string;
  /** The sector's own PostgreSQL cluster (logical decoding on), which Debezium captures. */
  sectorData: string;
  /** The secure broker (`stack up --secure`): its data, settings, TLS files and the principals' passwords. */
  secureKafka: SecureKafkaLayout;
}

export interface SecureKafkaLayout {
  root: string;
  data: string;
  config: string;
  /** The stack's throw-away CA, the broker's key store and trust store (mode 700). */
  tls: string;
  /** The CA certificate clients trust (DANCU_KAFKA_CA_FILE). */
  caCertificate: string;
  /** One password file per principal (mode 700, files 600): DANCU_KAFKA_SECRETS_DIR. */
  secrets: string;
}

export function stackLayout(root = process.env.DANCU_STACK_DIR ?? join(REPO_ROOT, '.dancu', 'stack')): StackLayout {
  const layout = {
    root,
    logs: join(root, 'logs'),
    kafkaLibs: join(root, 'kafka-libs'),
    kafkaData: join(root, 'kafka-data'),
    kafkaConfig: join(root, 'kafka-server.properties'),
    kafkaCluster: join(root, 'kafka-cluster'),
    apicurio: join(root, 'apicurio'),
    postgresData: join(root, 'postgres-data'),
    postgresSecrets: join(root, 'postgres-secrets'),
    connectLibs: join(root, 'connect', 'runtime'),
    connectPlugins: join(root, 'connect', 'plugins'),
    connectConfig: join(root, 'connect', 'worker.properties'),
    sectorData: join(root, 'sector-postgres-data'),
    secureKafka: {
      root: join(root, 'secure-kafka'),
      data: join(root, 'secure-kafka', 'data'),
      config: join(root, 'secure-kafka', 'server.properties'),
      tls: join(root, 'secure-kafka', 'tls'),
      caCertificate: join(root, 'secure-kafka', 'tls', 'ca.pem'),
      secrets: join(root, 'secure-kafka', 'secrets'),
    },
  };
  mkdirSync(layout.logs, { recursive: true });
  return layout;
}

export function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: url.port ? Number(url.port) : defaultPort };
}
