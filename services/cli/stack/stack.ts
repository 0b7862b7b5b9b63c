import type { CliConfig } from '../config.js';
import { connectDown, connectStatus, connectUp, type ConnectNodeOptions } from './connect-node.js';
import { CITUS_WORKER_PORTS, citusDown, citusStatus, citusUp, citusUrl } from './citus-node.js';
import {
  CLUSTER_SIZES,
  clusterBrokers,
  clusterStarted,
  kafkaClusterDown,
  kafkaClusterStatus,
  kafkaClusterUp,
  type KafkaClusterOptions,
} from './kafka-cluster.js';
import { kafkaDown, kafkaProcess, kafkaStatus, kafkaUp } from './kafka-node.js';
import { hugePagesLine, hugePagesNeeded, machineHugePages, postmasterHugetlbKb } from './huge-pages.js';
import { registerCluster } from './postgres-cluster.js';
import { maintenanceUrl, postgresDown, postgresStatus, postgresUp, servedByStack } from './postgres-node.js';
import { registryDown, registryStatus, registryUp } from './registry-node.js';
import { sectorDown, sectorStatus, sectorUp } from './sector-node.js';
import { securePostgresUp } from './postgres-tls.js';
import { secureAdminConnection, secureKafkaDown, secureKafkaStatus, secureKafkaUp } from './secure-kafka-node.js';
import { runningPid } from './processes.js';
import { hostPort, stackLayout, type StackLayout } from './stack-layout.js';
import { migrate } from '../../shared/store/migrate.js';
import { distributeRegister } from '../../shared/store/citus-distribution.js';
import { aclTarget, setUpKafkaAcls } from '../kafka-acl-setup.js';

type Print = (line: string) => void;

/** The plaintext broker is where the config points unless it points at a secure one; the secure broker has its own address. */
function endpoints(config: CliConfig) {
  const plaintext = config.DANCU_KAFKA_SECURITY === 'plaintext' ? (config.DANCU_KAFKA_BROKERS[0] ?? '127.0.0.1:9092') : '127.0.0.1:9092';
  const kafka = hostPort(plaintext, 9092);
  const registry = hostPort(config.DANCU_SCHEMA_REGISTRY_URL, 8081);
  return { kafka, registry, secureKafka: { ...hostPort(config.DANCU_STACK_SECURE_KAFKA, 9192), heapMb: config.DANCU_STACK_SECURE_KAFKA_HEAP_MB } };
}

export function connectOptions(config: CliConfig): ConnectNodeOptions {
  return { url: config.DANCU_CONNECT_URL, brokers: config.DANCU_KAFKA_BROKERS, heapMb: config.DANCU_STACK_CONNECT_HEAP_MB };
}

/** The cluster of `stack up --brokers 3`: its first node where the single broker would be, the others on the ports after. */
function clusterOptions(config: CliConfig, layout: StackLayout, nodes: number): KafkaClusterOptions {
  const { kafka } = endpoints(config);
  return { ...kafka, nodes, heapMb: config.DANCU_STACK_KAFKA_NODE_HEAP_MB, folder: layout.kafkaCluster, logs: layout.logs };
}

/**
 * How many brokers to run: as asked, else as many as run now (a second `stack up` keeps a
 * cluster). The single broker and the cluster share the first address, so one must stop
 * (`stack down`) before the other starts; each keeps its own data.
 */
function brokerCount(config: CliConfig, layout: StackLayout, asked: number | undefined): number {
  const clusterRuns = clusterStarted(clusterOptions(config, layout, 3));
  const singleRuns = runningPid(kafkaProcess(layout)) !== null;
  if (asked !== undefined && !(CLUSTER_SIZES as readonly number[]).includes(asked))
    throw new Error(`--brokers takes ${CLUSTER_SIZES.join(' or ')}, not ${asked}`);
  if (asked === 3 && singleRuns) throw new Error('the stack runs a single broker: `dancu stack down` first, then `dancu stack up --brokers 3`');
  if (asked === 1 && clusterRuns) throw new Error('the stack runs a 3-broker cluster: `dancu stack down` first, then `dancu stack up`');
  return asked ?? (clusterRuns ? 3 : 1);
}

export interface StackParts {
  /** Kafka nodes: 1 (the quick start's broker) or 3 (a cluster that outlives the loss of one). */
  brokers?: number;
  /** Also Kafka Connect with Debezium and a sector database to capture. */
  connect?: boolean;
  /** Also the secure broker (SASL_SSL, ACLs) beside the plaintext one, with the pipeline's topics and ACLs. */
  secure?: boolean;
  /** Also the register on Citus: a coordinator and two workers, the register migrated and distributed on them. */
  citus?: boolean;
}

/** Starts what is not running yet and waits until each part answers; a second call changes nothing. */
export async function stackUp(config: CliConfig, print: Print, parts: StackParts = {}): Promise<void> {
  const started = Date.now();
  const layout = stackLayout();
  const { kafka, registry } = endpoints(config);
  const brokers = brokerCount(config, layout, parts.brokers);
  const cluster = clusterOptions(config, layout, brokers);
  const [kafkaState, registryState, postgresState] = await Promise.all([
    brokers === 1 ? kafkaUp(layout, { ...kafka, heapMb: config.DANCU_STACK_KAFKA_HEAP_MB }) : kafkaClusterUp(layout, cluster),
    registryUp(layout, { ...registry, heapMb: config.DANCU_STACK_REGISTRY_HEAP_MB }),
    postgresUp(layout, config.DATABASE_URL),
  ]);
  if (brokers === 1) print(`kafka       ${kafkaState.padEnd(8)} ${kafka.host}:${kafka.port}`);
  else {
    print(
      `kafka       ${kafkaState.padEnd(8)} ${brokers} nodes (broker and controller each; topics with 3 copies, 2 in sync) (${((Date.now() - started) / 1000).toFixed(1)} s)`,
    );
    print(`  use it    DANCU_KAFKA_BROKERS=${clusterBrokers(cluster).join(',')}`);
  }
  print(`registry    ${registryState.padEnd(8)} ${config.DANCU_SCHEMA_REGISTRY_URL}`);
  print(`postgresql  ${postgresState.padEnd(8)} ${redactPassword(config.DATABASE_URL)}`);
  if (servedByStack(config.DATABASE_URL)) await printHugePages(config, layout, print);
  if (parts.connect) {
    // Connect needs the broker; the sector's server starts meanwhile.
    const connectStarted = Date.now();
    const [connectState, sectorState] = await Promise.all([connectUp(layout, connectOptions(config)), sectorUp(layout, config.DANCU_SECTOR_DATABASE_URL)]);
    print(`connect     ${connectState.padEnd(8)} ${config.DANCU_CONNECT_URL} (${((Date.now() - connectStarted) / 1000).toFixed(1)} s)`);
    print(`sector-db   ${sectorState.padEnd(8)} ${redactPassword(config.DANCU_SECTOR_DATABASE_URL)}`);
  }
  if (parts.secure) await secureUp(config, layout, print);
  if (parts.citus) await citusRegisterUp(layout, print);
  print(`logs        ${layout.logs}`);
  print(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** The stack's own cluster only, running from its data directory: another server's memory is its operator's to set up. */
async function printHugePages(config: CliConfig, layout: StackLayout, print: Print): Promise<void> {
  const mappedKb = postmasterHugetlbKb(registerCluster(layout).data);
  const machine = machineHugePages();
  if (mappedKb === null || machine === null) return;
  const needed = await hugePagesNeeded(maintenanceUrl(config.DATABASE_URL));
  if (needed !== null) print(`  huge pages ${hugePagesLine(needed, mappedKb, machine)}`);
}

/**
 * The secure broker, its topics and ACLs (for the config's namespace and groups), and how to use
 * it: where the CA and the passwords are, never a password itself.
 */
async function secureUp(config: CliConfig, layout: StackLayout, print: Print): Promise<void> {
  const started = Date.now();
  const { secureKafka } = endpoints(config);
  const state = await secureKafkaUp(layout, secureKafka);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const acls = await setUpKafkaAcls(aclTarget(config), secureAdminConnection(layout, secureKafka));
  const address = `${secureKafka.host}:${secureKafka.port}`;
  print(`secure-kafka ${state.padEnd(7)} ${address} (SASL_SSL, SCRAM-SHA-512, ACLs; ${seconds} s)`);
  print(`  acls      ${acls.created} created, ${acls.removed} removed, ${acls.kept} in place`);
  print(`  CA        ${layout.secureKafka.caCertificate}`);
  print(`  passwords ${layout.secureKafka.secrets}/<principal> (mode 600)`);
  print(
    `  use it    DANCU_KAFKA_SECURITY=sasl_ssl DANCU_KAFKA_BROKERS=${address} DANCU_KAFKA_CA_FILE=${layout.secureKafka.caCertificate} DANCU_KAFKA_SECRETS_DIR=${layout.secureKafka.secrets} DANCU_KAFKA_USERNAME=<principal>`,
  );
  if (!servedByStack(config.DATABASE_URL)) {
    print('secure-postgresql not set up: DATABASE_URL names another server, which brings its own TLS and passwords');
    return;
  }
  const postgres = await securePostgresUp(layout, config.DATABASE_URL);
  print(`secure-postgresql ${new URL(postgres.url).host}${new URL(postgres.url).pathname} (only TLS, a password per login)`);
  print(`  passwords ${postgres.secrets}/<login> (mode 600)`);
  print(`  use it    DATABASE_URL='${postgres.url}' DANCU_DATABASE_SECRETS_DIR=${postgres.secrets}`);
}

/** The Citus nodes, and the register's database on them migrated and distributed; how to point the services at it. */
async function citusRegisterUp(layout: StackLayout, print: Print): Promise<void> {
  const started = Date.now();
  const url = citusUrl('dancu');
  const state = await citusUp(layout, 'dancu', (line) => print(`  ${line}`));
  await migrate(url);
  await distributeRegister(url);
  print(`citus       ${state.padEnd(8)} ${url} (coordinator; workers ${CITUS_WORKER_PORTS.join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  print(`  use it    DATABASE_URL=${url}`);
}

/** Stops only the processes this stack started (pid files), never a service it found running. */
export async function stackDown(config: CliConfig, print: Print): Promise<void> {
  const layout = stackLayout();
  // Connect first: it writes to the broker until it stops.
  const connect = await connectDown(layout);
  const sector = await sectorDown(layout);
  const [kafka, cluster, secureKafka, registry] = await Promise.all([
    kafkaDown(layout),
    kafkaClusterDown(clusterOptions(config, layout, 3)),
    secureKafkaDown(layout),
    registryDown(layout),
  ]);
  const postgres = await postgresDown(layout);
  const citus = await citusDown(layout);
  print(`connect     ${connect ? 'stopped' : 'was not started by dancu'}`);
  print(`sector-db   ${sector ? 'stopped' : 'was not started by dancu'}`);
  print(`kafka       ${kafka || cluster ? `stopped${cluster ? ' (3 nodes)' : ''}` : 'was not started by dancu'}`);
  print(`secure-kafka ${secureKafka ? 'stopped' : 'was not started by dancu'}`);
  print(`registry    ${registry ? 'stopped' : 'was not started by dancu'}`);
  print(`postgresql  ${postgres ? 'stopped' : 'left running (not started by dancu)'}`);
  print(`citus       ${citus ? 'stopped' : 'was not started by dancu'}`);
}

/** Every part's state; the result says whether the base stack (and Connect with its sector database, when asked) runs. */
export async function stackStatus(config: CliConfig, print: Print, parts: StackParts = {}): Promise<boolean> {
  const layout = stackLayout();
  const { kafka, registry, secureKafka } = endpoints(config);
  const cluster = clusterOptions(config, layout, 3);
  const kafkaStates = clusterStarted(cluster)
    ? Object.fromEntries((await kafkaClusterStatus(cluster)).map(({ node, state }) => [node, state]))
    : { kafka: await kafkaStatus(layout, { ...kafka, heapMb: 0 }) };
  const states = {
    ...kafkaStates,
    registry: await registryStatus(layout, { ...registry, heapMb: 0 }),
    postgresql: await postgresStatus(config.DATABASE_URL),
  };
  const optional = {
    connect: await connectStatus(layout, connectOptions(config)),
    'sector-db': await sectorStatus(config.DANCU_SECTOR_DATABASE_URL),
    'secure-kafka': `${await secureKafkaStatus(layout, secureKafka)} ${secureKafka.host}:${secureKafka.port}`,
    citus: await citusStatus(layout),
  };
  for (const [name, state] of Object.entries({ ...states, ...optional })) print(`${name.padEnd(11)} ${state}`);
  const needed = {
    ...states,
    ...(parts.connect ? { connect: optional.connect, 'sector-db': optional['sector-db'] } : {}),
    ...(parts.secure ? { 'secure-kafka': optional['secure-kafka'] } : {}),
    ...(parts.citus ? { citus: optional.citus } : {}),
  };
  return Object.values(needed).every((state) => state.startsWith('running'));
}

function redactPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
