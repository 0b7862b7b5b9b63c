import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { mavenFetch } from './maven-fetch.js';
import { describeState, portOpen, runningPid, startDetached, stopProcess, waitFor, type ManagedProcess } from './processes.js';
import { hostPort, type StackLayout } from './stack-layout.js';
import { securitySettings, type KafkaConnection } from '../../shared/kafka/client.js';

const run = promisify(execFile);

export interface KafkaNodeOptions {
  host: string;
  port: number;
  heapMb: number;
}

/** Single-node KRaft broker+controller; internal topics need replication factor 1 or groups never get a coordinator. */
function serverProperties(layout: StackLayout, options: KafkaNodeOptions): string {
  const controller = `${options.host}:${options.port + 1}`;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${controller}`,
    `listeners=PLAINTEXT://${options.host}:${options.port},CONTROLLER://${controller}`,
    `advertised.listeners=PLAINTEXT://${options.host}:${options.port},CONTROLLER://${controller}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    ...brokerSettings(layout.kafkaData, 1),
  ].join('\n');
}

/**
 * What every broker of the stack sets alike: topics made only on purpose, and as many copies of
 * each partition as `replicas` (1 on a single node; 3 on a cluster, with two of them in sync
 * before a write is acknowledged, so that a write survives the loss of its leader and writes
 * go on while one node is away). Kafka's internal topics (consumer offsets, transactions) follow
 * the same rule: with a single copy on one node of three, groups would stop with that node.
 */
export function brokerSettings(dataDir: string, replicas: 1 | 3): string[] {
  const minInsync = replicas >= 3 ? 2 : 1;
  return [
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    'auto.create.topics.enable=false',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minInsync}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minInsync}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minInsync}`,
    'group.initial.rebalance.delay.ms=0',
    'message.max.bytes=8388608',
    '',
  ];
}

export function kafkaProcess(layout: StackLayout): ManagedProcess {
  return { name: 'kafka', pidFile: join(layout.root, 'kafka.pid'), logFile: join(layout.logs, 'kafka.log') };
}

/** Whether a broker answers at `connection` with a controller elected (an admin logged in as the connection says). */
export async function brokerAnswers(connection: KafkaConnection): Promise<boolean> {
  // Any one of the listed brokers is enough to ask: the others may be away.
  const open = await Promise.all(connection.brokers.map((address) => hostPort(address, 9092)).map(({ host, port }) => portOpen(host, port)));
  if (!open.some(Boolean)) return false;
  const admin = new Kafka({
    brokers: connection.brokers,
    ...securitySettings(connection),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function plaintext(options: KafkaNodeOptions): KafkaConnection {
  return { brokers: [`${options.host}:${options.port}`], security: 'plaintext' };
}

/** The broker's classpath: Kafka's jars from Maven Central, fetched once into the stack's folder. */
export async function kafkaClasspath(layout: StackLayout): Promise<string> {
  await mavenFetch('copy-dependencies', layout.kafkaLibs, join(layout.logs, 'maven.log'));
  return `${layout.kafkaLibs}/*`;
}

export async function newClusterId(classpath: string): Promise<string> {
  const { stdout } = await run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid']);
  return stdout.trim().split('\n').pop() ?? '';
}

/** Starts a broker with its settings file as a detached process (it outlives the CLI) and waits until it answers. */
export async function startBroker(
  managed: ManagedProcess,
  classpath: string,
  configFile: string,
  options: { heapMb: number; cwd: string; answers: () => Promise<boolean> },
): Promise<void> {
  startDetached(
    managed,
    'java',
    [`-Xmx${options.heapMb}m`, `-Xms${Math.min(256, options.heapMb)}m`, '-XX:+UseG1GC', '-cp', classpath, 'kafka.Kafka', configFile],
    options.cwd,
  );
  await waitFor('Kafka', options.answers, 90_000, managed.logFile);
}

export async function kafkaUp(layout: StackLayout, options: KafkaNodeOptions): Promise<'started' | 'running' | 'external'> {
  const managed = kafkaProcess(layout);
  if (await brokerAnswers(plaintext(options))) return runningPid(managed) !== null ? 'running' : 'external';
  if (await portOpen(options.host, options.port)) {
    throw new Error(`port ${options.port} is taken by something that is not a Kafka broker`);
  }
  const classpath = await kafkaClasspath(layout);
  writeFileSync(layout.kafkaConfig, serverProperties(layout, options));
  if (!existsSync(join(layout.kafkaData, 'meta.properties'))) {
    const clusterId = await newClusterId(classpath);
    await run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', layout.kafkaConfig, '--standalone']);
  }
  await startBroker(managed, classpath, layout.kafkaConfig, { heapMb: options.heapMb, cwd: layout.root, answers: () => brokerAnswers(plaintext(options)) });
  return 'started';
}

export async function kafkaDown(layout: StackLayout): Promise<boolean> {
  return stopProcess(kafkaProcess(layout));
}

export async function kafkaStatus(layout: StackLayout, options: KafkaNodeOptions): Promise<string> {
  return describeState(kafkaProcess(layout), await brokerAnswers(plaintext(options)));
}
