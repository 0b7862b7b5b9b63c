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
  apicurio: string;
  postgresData: string;
  /** Kafka Connect's classpath, its plugin path (one folder per plugin) and worker settings. */
  connectLibs: string;
  connectPlugins: string;
  connectConfig: string;
  /** The sector's own PostgreSQL cluster (logical decoding on), which Debezium captures. */
  sectorData: string;
}

export function stackLayout(root = process.env.DANCU_STACK_DIR ?? join(REPO_ROOT, '.dancu', 'stack')): StackLayout {
  const layout = {
    root,
    logs: join(root, 'logs'),
    kafkaLibs: join(root, 'kafka-libs'),
    kafkaData: join(root, 'kafka-data'),
    kafkaConfig: join(root, 'kafka-server.properties'),
    apicurio: join(root, 'apicurio'),
    postgresData: join(root, 'postgres-data'),
    connectLibs: join(root, 'connect', 'runtime'),
    connectPlugins: join(root, 'connect', 'plugins'),
    connectConfig: join(root, 'connect', 'worker.properties'),
    sectorData: join(root, 'sector-postgres-data'),
  };
  mkdirSync(layout.logs, { recursive: true });
  return layout;
}

export function hostPort(address: string, defaultPort: number): { host: string; port: number } {
  const url = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: url.hostname, port: url.port ? Number(url.port) : defaultPort };
}
