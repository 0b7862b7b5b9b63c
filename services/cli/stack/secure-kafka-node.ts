import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KafkaConnection } from '../../shared/kafka/client.js';
import { ADMIN_PRINCIPAL, BROKER_PRINCIPAL, kafkaPrincipals } from '../../shared/kafka/kafka-acls.js';
import { brokerAnswers, kafkaClasspath, newClusterId, brokerSettings, startBroker } from './kafka-node.js';
import { describeState, portOpen, runningPid, stopProcess, type ManagedProcess } from './processes.js';
import { ensureSecretFile, privateFolder, readSecretFile } from './secret-files.js';
import type { SecureKafkaLayout, StackLayout } from './stack-layout.js';
import { ensureStackTls, type BrokerTls } from './stack-tls.js';

const run = promisify(execFile);

export interface SecureKafkaOptions {
  host: string;
  /** SASL_SSL for clients; the controller listens on the next port. */
  port: number;
  heapMb: number;
}

/**
 * A single-node KRaft broker beside the plaintext one, on its own ports and data: clients only
 * over TLS with a SCRAM-SHA-512 login (SASL_SSL), every request checked by the StandardAuthorizer
 * and refused unless an ACL allows it. The broker and the administrator are super users. The
 * controller listener is on the loopback and takes only the broker's own certificate (mutual
 * TLS): no login, and nobody without a certificate of the stack's CA gets in. Passwords and the
 * stores' password stay in their files; the settings name the files (Kafka's directory config
 * provider), so server.properties holds no secret.
 */
function serverProperties(layout: SecureKafkaLayout, options: SecureKafkaOptions, tls: BrokerTls): string {
  const client = `${options.host}:${options.port}`;
  const controller = `${options.host}:${options.port + 1}`;
  const secret = (dir: string, file: string) => `\${dir:${dir}:${file}}`;
  const storePassword = secret(layout.tls, 'store-password');
  return [
    'config.providers=dir',
    'config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=${controller}`,
    `listeners=SASL_SSL://${client},CONTROLLER://${controller}`,
    `advertised.listeners=SASL_SSL://${client},CONTROLLER://${controller}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL',
    'inter.broker.listener.name=SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${BROKER_PRINCIPAL}" password="${secret(layout.secrets, BROKER_PRINCIPAL)}";`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${tls.keyStore}`,
    `ssl.keystore.password=${storePassword}`,
    'ssl.truststore.type=PKCS12',
    `ssl.truststore.location=${tls.trustStore}`,
    `ssl.truststore.password=${storePassword}`,
    'listener.name.controller.ssl.client.auth=required',
    // The broker's certificate (CN=dancu-broker) is the principal dancu-broker on the controller listener.
    'ssl.principal.mapping.rules=RULE:^CN=([^,]+)$/$1/,DEFAULT',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=User:${BROKER_PRINCIPAL};User:${ADMIN_PRINCIPAL}`,
    ...brokerSettings(layout.data, 1),
  ].join('\n');
}

export function secureKafkaProcess(layout: StackLayout): ManagedProcess {
  return { name: 'secure-kafka', pidFile: join(layout.secureKafka.root, 'kafka.pid'), logFile: secureKafkaLog(layout) };
}

/** The broker's log: failed logins and denied requests are in it (the authorizer logs each denial). */
export function secureKafkaLog(layout: StackLayout): string {
  return join(layout.logs, 'secure-kafka.log');
}

/** The administrator's login to the secure broker: to create topics and apply ACLs. */
export function secureAdminConnection(layout: StackLayout, options: Pick<SecureKafkaOptions, 'host' | 'port'>): KafkaConnection {
  return {
    brokers: [`${options.host}:${options.port}`],
    security: 'sasl_ssl',
    username: ADMIN_PRINCIPAL,
    password: readSecretFile(join(layout.secureKafka.secrets, ADMIN_PRINCIPAL)),
    caFile: layout.secureKafka.caCertificate,
  };
}

async function secureBrokerAnswers(layout: StackLayout, options: SecureKafkaOptions): Promise<boolean> {
  if (!existsSync(join(layout.secureKafka.secrets, ADMIN_PRINCIPAL))) return portOpen(options.host, options.port);
  return brokerAnswers(secureAdminConnection(layout, options));
}

/**
 * Formats the data folder with every principal's SCRAM credential (Kafka's way to give a KRaft
 * cluster its first logins). The passwords go to the JVM in an argument file (mode 600, removed
 * after) rather than on its command line, where any local user could read them.
 */
async function formatWithCredentials(layout: SecureKafkaLayout, classpath: string): Promise<void> {
  const clusterId = await newClusterId(classpath);
  const credentials = kafkaPrincipals().flatMap((principal) => [
    '--add-scram',
    `"SCRAM-SHA-512=[name=${principal},password=${readSecretFile(join(layout.secrets, principal))}]"`,
  ]);
  const args = ['-cp', `"${classpath}"`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', `"${layout.config}"`, '--standalone', ...credentials];
  const argFile = join(layout.root, 'format.args');
  writeFileSync(argFile, `${args.join('\n')}\n`, { mode: 0o600 });
  try {
    await run('java', [`@${argFile}`]);
  } finally {
    rmSync(argFile, { force: true });
  }
}

/**
 * Starts the secure broker when it is not running: the principals' passwords (made once, one
 * file each), the TLS files (made once), its settings, its data formatted with every principal's
 * credential on first use. A second call changes nothing.
 */
export async function secureKafkaUp(layout: StackLayout, options: SecureKafkaOptions): Promise<'started' | 'running' | 'external'> {
  const managed = secureKafkaProcess(layout);
  const secure = layout.secureKafka;
  if (await secureBrokerAnswers(layout, options)) return runningPid(managed) !== null ? 'running' : 'external';
  if (await portOpen(options.host, options.port)) throw new Error(`port ${options.port} is taken by something that is not dancu's secure broker`);
  privateFolder(secure.root);
  const made = kafkaPrincipals().filter((principal) => ensureSecretFile(secure.secrets, principal).created);
  const tls = await ensureStackTls(secure, options.host);
  const classpath = await kafkaClasspath(layout);
  writeFileSync(secure.config, serverProperties(secure, options, tls), { mode: 0o600 });
  if (!existsSync(join(secure.data, 'meta.properties'))) {
    await formatWithCredentials(secure, classpath);
  } else if (made.length > 0) {
    throw new Error(`the secure broker's data predates the principals ${made.join(', ')}: remove ${secure.data} and start it again`);
  }
  await startBroker(managed, classpath, secure.config, { heapMb: options.heapMb, cwd: secure.root, answers: () => secureBrokerAnswers(layout, options) });
  return 'started';
}

export async function secureKafkaDown(layout: StackLayout): Promise<boolean> {
  return stopProcess(secureKafkaProcess(layout));
}

export async function secureKafkaStatus(layout: StackLayout, options: SecureKafkaOptions): Promise<string> {
  return describeState(secureKafkaProcess(layout), await secureBrokerAnswers(layout, options));
}
