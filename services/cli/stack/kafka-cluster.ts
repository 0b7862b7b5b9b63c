import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brokerAnswers, brokerSettings, kafkaClasspath, newClusterId, startBroker } from './kafka-node.js';
import { describeState, portOpen, runningPid, stopProcess, waitFor, type ManagedProcess } from './processes.js';
import type { StackLayout } from './stack-layout.js';

const run = promisify(execFile);

/** The node counts `stack up --brokers` takes: one broker, or a cluster that outlives the loss of one. */
export const CLUSTER_SIZES = [1, 3] as const;

export interface KafkaClusterOptions {
  host: string;
  /** Node n (1…nodes) takes clients on port + 2(n − 1) and its controller listener on the port after. */
  port: number;
  nodes: number;
  heapMb: number;
  /** Where the nodes' data, settings and pid files go (one folder per node), and their logs. */
  folder: string;
  logs: string;
}

export interface ClusterNode {
  id: number;
  clientPort: number;
  controllerPort: number;
  folder: string;
  config: string;
  process: ManagedProcess;
}

export function clusterNodes(options: KafkaClusterOptions): ClusterNode[] {
  return Array.from({ length: options.nodes }, (_, i) => {
    const id = i + 1;
    const folder = join(options.folder, `node-${id}`);
    return {
      id,
      clientPort: options.port + 2 * i,
      controllerPort: options.port + 2 * i + 1,
      folder,
      config: join(folder, 'server.properties'),
      process: { name: `kafka-${id}`, pidFile: join(folder, 'kafka.pid'), logFile: join(options.logs, `kafka-${id}.log`) },
    };
  });
}

/** The address list clients are given: every node, so that any one of them can be away. */
export function clusterBrokers(options: Pick<KafkaClusterOptions, 'host' | 'port' | 'nodes'>): string[] {
  return Array.from({ length: options.nodes }, (_, i) => `${options.host}:${options.port + 2 * i}`);
}

/**
 * Every node is broker and controller at once (combined mode), and the three controllers are the
 * KRaft quorum, named statically (`controller.quorum.voters`). On two cores, three JVMs instead
 * of six (three brokers and three dedicated controllers) leave the CPU to the pipeline, and the
 * cluster still outlives the loss of any one machine: two of three voters keep the quorum, two of
 * three replicas keep every partition writable (min.insync.replicas=2). A production cluster
 * separates the controllers, so that a broker busy with traffic cannot starve the quorum.
 */
function nodeProperties(node: ClusterNode, nodes: ClusterNode[], options: KafkaClusterOptions): string {
  const client = `${options.host}:${node.clientPort}`;
  const controller = `${options.host}:${node.controllerPort}`;
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${nodes.map((n) => `${n.id}@${options.host}:${n.controllerPort}`).join(',')}`,
    `listeners=PLAINTEXT://${client},CONTROLLER://${controller}`,
    `advertised.listeners=PLAINTEXT://${client},CONTROLLER://${controller}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    ...brokerSettings(join(node.folder, 'data'), options.nodes >= 3 ? 3 : 1),
  ].join('\n');
}

function connection(options: KafkaClusterOptions) {
  return { brokers: clusterBrokers(options), security: 'plaintext' as const };
}

/** Whether the node answers as a broker of a cluster with an elected controller. */
function nodeAnswers(options: KafkaClusterOptions, node: ClusterNode): Promise<boolean> {
  return brokerAnswers({ brokers: [`${options.host}:${node.clientPort}`], security: 'plaintext' });
}

/**
 * Formats each node's data once, all with the same cluster id (kept in the cluster's folder, so
 * that a node formatted later joins the same cluster).
 */
async function formatNodes(classpath: string, nodes: ClusterNode[], options: KafkaClusterOptions): Promise<void> {
  const idFile = join(options.folder, 'cluster.id');
  if (!existsSync(idFile)) writeFileSync(idFile, await newClusterId(classpath));
  const clusterId = readFileSync(idFile, 'utf8').trim();
  await Promise.all(
    nodes
      .filter((node) => !existsSync(join(node.folder, 'data', 'meta.properties')))
      .map((node) => run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', node.config])),
  );
}

/**
 * Starts the nodes that are not running and waits until every one answers. The nodes start side
 * by side: a controller quorum of three elects a leader only once two of them are up.
 */
export async function kafkaClusterUp(layout: StackLayout, options: KafkaClusterOptions): Promise<'started' | 'running'> {
  const nodes = clusterNodes(options);
  const waiting = nodes.filter((node) => runningPid(node.process) === null);
  if (waiting.length === 0 && (await brokerAnswers(connection(options)))) return 'running';
  for (const node of waiting) {
    if (await portOpen(options.host, node.clientPort))
      throw new Error(`port ${node.clientPort} is taken by something that is not node ${node.id} of this Kafka cluster`);
  }
  const classpath = await kafkaClasspath(layout);
  for (const node of nodes) {
    mkdirSync(node.folder, { recursive: true });
    writeFileSync(node.config, nodeProperties(node, nodes, options));
  }
  await formatNodes(classpath, nodes, options);
  await Promise.all(waiting.map((node) => startNode(classpath, node, options)));
  await waitFor('the Kafka cluster', () => brokerAnswers(connection(options)), 90_000, nodes[0]?.process.logFile);
  return 'started';
}

function startNode(classpath: string, node: ClusterNode, options: KafkaClusterOptions): Promise<void> {
  return startBroker(node.process, classpath, node.config, { heapMb: options.heapMb, cwd: node.folder, answers: () => nodeAnswers(options, node) });
}

/** Starts one node again (after it was stopped or killed) and waits until it answers. */
export async function kafkaNodeUp(layout: StackLayout, options: KafkaClusterOptions, id: number): Promise<void> {
  const node = clusterNodes(options).find((n) => n.id === id);
  if (!node) throw new Error(`the cluster has no node ${id}`);
  if (runningPid(node.process) !== null) return;
  await startNode(await kafkaClasspath(layout), node, options);
}

/** Stops the nodes this stack started (pid files); true when one was running. */
export async function kafkaClusterDown(options: KafkaClusterOptions): Promise<boolean> {
  const stopped = await Promise.all(clusterNodes(options).map((node) => stopProcess(node.process)));
  return stopped.some(Boolean);
}

/** Whether this stack started nodes of the cluster (a pid file of one is there). */
export function clusterStarted(options: KafkaClusterOptions): boolean {
  return clusterNodes(options).some((node) => existsSync(node.process.pidFile));
}

export async function kafkaClusterStatus(options: KafkaClusterOptions): Promise<{ node: string; state: string }[]> {
  return Promise.all(
    clusterNodes(options).map(async (node) => ({
      node: `kafka-${node.id}`,
      state: `${describeState(node.process, await nodeAnswers(options, node))} ${options.host}:${node.clientPort}`,
    })),
  );
}
