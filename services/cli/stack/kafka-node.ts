import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { mavenFetch } from './maven-fetch.js';
import { describeState, portOpen, runningPid, startDetached, stopProcess, waitFor, type ManagedProcess } from './processes.js';
import type { StackLayout } from './stack-layout.js';

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
    `log.dirs=${layout.kafkaData}`,
    'num.partitions=3',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'message.max.bytes=8388608',
    '',
  ].join('\n');
}

export function kafkaProcess(layout: StackLayout): ManagedProcess {
  return { name: 'kafka', pidFile: join(layout.root, 'kafka.pid'), logFile: join(layout.logs, 'kafka.log') };
}

async function brokerAnswers(options: KafkaNodeOptions): Promise<boolean> {
  if (!(await portOpen(options.host, options.port))) return false;
  const admin = new Kafka({
    brokers: [`${options.host}:${options.port}`],
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

export async function kafkaUp(layout: StackLayout, options: KafkaNodeOptions): Promise<'started' | 'running' | 'external'> {
  const managed = kafkaProcess(layout);
  if (await brokerAnswers(options)) return runningPid(managed) !== null ? 'running' : 'external';
  if (await portOpen(options.host, options.port)) {
    throw new Error(`port ${options.port} is taken by something that is not a Kafka broker`);
  }
  await mavenFetch('copy-dependencies', layout.kafkaLibs, join(layout.logs, 'maven.log'));
  const classpath = `${layout.kafkaLibs}/*`;
  writeFileSync(layout.kafkaConfig, serverProperties(layout, options));
  if (!existsSync(join(layout.kafkaData, 'meta.properties'))) {
    const { stdout } = await run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid']);
    const clusterId = stdout.trim().split('\n').pop() ?? '';
    await run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', layout.kafkaConfig, '--standalone']);
  }
  startDetached(
    managed,
    'java',
    [`-Xmx${options.heapMb}m`, `-Xms${Math.min(256, options.heapMb)}m`, '-XX:+UseG1GC', '-cp', classpath, 'kafka.Kafka', layout.kafkaConfig],
    layout.root,
  );
  await waitFor('Kafka', () => brokerAnswers(options), 90_000, managed.logFile);
  return 'started';
}

export async function kafkaDown(layout: StackLayout): Promise<boolean> {
  return stopProcess(kafkaProcess(layout));
}

export async function kafkaStatus(layout: StackLayout, options: KafkaNodeOptions): Promise<string> {
  return describeState(kafkaProcess(layout), await brokerAnswers(options));
}
