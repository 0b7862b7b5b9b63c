import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONNECT_POM } from '../../shared/paths.js';
import { mavenFetch } from './maven-fetch.js';
import { describeState, portOpen, runningPid, startDetached, stopProcess, waitFor, type ManagedProcess } from './processes.js';
import type { StackLayout } from './stack-layout.js';

export interface ConnectNodeOptions {
  /** Connect's REST API, e.g. http://127.0.0.1:8083. */
  url: string;
  brokers: string[];
  heapMb: number;
}

/** The plugins on Connect's plugin path, each a profile of stack/connect/pom.xml and a folder of its own. */
const PLUGINS = ['debezium-postgres', 'apicurio-converter'] as const;

/**
 * One distributed worker (so connectors are created and kept through the REST API and its
 * internal topics, as in production), with replication factor 1 for the single broker and one
 * partition per internal topic, which keeps the first start short. Offsets are flushed every
 * second (Connect's default is 60 s): a crash redelivers about a second of changes, which
 * dancu's idempotency absorbs, but a crash before the snapshot's offsets are flushed makes
 * Debezium take the snapshot again, and those rows come with a new time (a known gap: they are
 * recorded again). A lost task is reassigned at once, not after the default 5 minutes.
 */
function workerProperties(layout: StackLayout, options: ConnectNodeOptions): string {
  const url = new URL(options.url);
  return [
    `bootstrap.servers=${options.brokers.join(',')}`,
    'group.id=dancu-connect',
    'config.storage.topic=dancu-connect-configs',
    'offset.storage.topic=dancu-connect-offsets',
    'status.storage.topic=dancu-connect-status',
    'config.storage.replication.factor=1',
    'offset.storage.replication.factor=1',
    'status.storage.replication.factor=1',
    'offset.storage.partitions=1',
    'status.storage.partitions=1',
    'offset.flush.interval.ms=1000',
    'scheduled.rebalance.max.delay.ms=0',
    'key.converter=org.apache.kafka.connect.json.JsonConverter',
    'value.converter=org.apache.kafka.connect.json.JsonConverter',
    `listeners=http://${url.hostname}:${url.port || 8083}`,
    `rest.advertised.host.name=${url.hostname}`,
    `plugin.path=${layout.connectPlugins}`,
    'plugin.discovery=hybrid_warn',
    'topic.creation.enable=true',
    '',
  ].join('\n');
}

export function connectProcess(layout: StackLayout): ManagedProcess {
  return { name: 'kafka-connect', pidFile: join(layout.root, 'connect.pid'), logFile: join(layout.logs, 'connect.log') };
}

/** Ready when the REST API answers and lists the Debezium connector among its plugins. */
async function connectReady(options: ConnectNodeOptions): Promise<boolean> {
  try {
    const response = await fetch(`${options.url.replace(/\/+$/, '')}/connector-plugins`, { signal: AbortSignal.timeout(2_000) });
    if (!response.ok) return false;
    const plugins = (await response.json()) as { class: string }[];
    return plugins.some((plugin) => plugin.class === 'io.debezium.connector.postgresql.PostgresConnector');
  } catch {
    return false;
  }
}

/** The worker's jars and plugins, fetched once by Maven (later runs read ~/.m2 and the stack folder). */
async function fetchConnect(layout: StackLayout): Promise<void> {
  const log = join(layout.logs, 'maven.log');
  await mavenFetch('copy-dependencies', layout.connectLibs, log, { pom: CONNECT_POM, profile: 'runtime' });
  mkdirSync(layout.connectPlugins, { recursive: true });
  for (const plugin of PLUGINS) await mavenFetch('copy-dependencies', join(layout.connectPlugins, plugin), log, { pom: CONNECT_POM, profile: plugin });
}

export async function connectUp(layout: StackLayout, options: ConnectNodeOptions): Promise<'started' | 'running' | 'external'> {
  const managed = connectProcess(layout);
  if (await connectReady(options)) return runningPid(managed) !== null ? 'running' : 'external';
  if (runningPid(managed) === null) {
    const url = new URL(options.url);
    if (await portOpen(url.hostname, Number(url.port || 8083))) {
      throw new Error(`port ${url.port || 8083} is taken by something that is not a Kafka Connect worker with Debezium`);
    }
    await fetchConnect(layout);
    writeFileSync(layout.connectConfig, workerProperties(layout, options));
    startDetached(
      managed,
      'java',
      [`-Xmx${options.heapMb}m`, '-XX:+UseG1GC', '-cp', `${layout.connectLibs}/*`, 'org.apache.kafka.connect.cli.ConnectDistributed', layout.connectConfig],
      layout.root,
    );
  }
  await waitFor('Kafka Connect', () => connectReady(options), 180_000, managed.logFile);
  return 'started';
}

export async function connectDown(layout: StackLayout): Promise<boolean> {
  return stopProcess(connectProcess(layout));
}

export async function connectStatus(layout: StackLayout, options: ConnectNodeOptions): Promise<string> {
  return describeState(connectProcess(layout), await connectReady(options));
}

/** Kills the worker as a crash would (SIGKILL, no shutdown), for fault tests; `connectUp` starts it again. */
export async function connectKill(layout: StackLayout): Promise<boolean> {
  const managed = connectProcess(layout);
  const pid = runningPid(managed);
  if (pid === null) return false;
  process.kill(-pid, 'SIGKILL');
  await waitFor('Kafka Connect to exit', () => Promise.resolve(runningPid(managed) === null), 30_000);
  return true;
}
