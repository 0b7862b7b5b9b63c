import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Kafka, logLevel, type Consumer, type KafkaConfig, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceEnv } from '../../services/cli/service-catalogue.js';
import { registerCluster } from '../../services/cli/stack/postgres-cluster.js';
import { dropDatabase } from '../../services/cli/stack/postgres-node.js';
import { secureDatabaseUrl, securePostgresUp, type SecurePostgres } from '../../services/cli/stack/postgres-tls.js';
import { secureKafkaLog, secureKafkaUp } from '../../services/cli/stack/secure-kafka-node.js';
import { readSecretFile } from '../../services/cli/stack/secret-files.js';
import { ensureStackCa } from '../../services/cli/stack/stack-tls.js';
import { roleName, serviceDatabaseUrl, type ServiceRole } from '../../services/shared/store/service-roles.js';
import { hostPort, stackLayout } from '../../services/cli/stack/stack-layout.js';
import { connectProducer, createKafka, kafkaConnection, securitySettings, type KafkaConnection } from '../../services/shared/kafka/client.js';
import { measureLag } from '../../services/shared/kafka/lag.js';
import { ADMIN_PRINCIPAL, sectorPrincipal, servicePrincipal } from '../../services/shared/kafka/kafka-acls.js';
import { publishEvents } from '../../services/shared/kafka/publisher.js';
import { readTopicSnapshot } from '../../services/shared/kafka/topic-snapshot.js';
import { qualityReport, type SourceQuality } from '../../services/shared/reporting/quality-report.js';
import { pipelineGroupTopics, type PipelineStatus } from '../../services/monitor/pipeline-status.js';
import { SOURCE_NAMES, SOURCE_TOPICS, type SourceName } from '../../services/shared/schemas/topics.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';
import { generatePopulation } from '../../services/shared/synth/population.js';
import { generateSectorDay, type SectorDay } from '../../services/shared/synth/sector-day.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { IsolatedRun } from '../helpers/isolated-run.js';
import { config, testLogger } from '../helpers/real-stack.js';
import { waitUntil } from '../helpers/wait.js';

const exec = promisify(execFile);
/** The secure register's test database: stack/pg_hba.conf serves it over TLS with passwords only. */
const SECURE_TEST_DATABASE = 'dancu_secure_test';
const layout = stackLayout();
const secure = { ...hostPort(config.DANCU_STACK_SECURE_KAFKA, 9192), heapMb: config.DANCU_STACK_SECURE_KAFKA_HEAP_MB };
const address = `${secure.host}:${secure.port}`;
/** The run logs in as the administrator (topics, ACLs, offsets); each service it starts, as its own principal from the secrets folder. */
const SECURE_ENV = {
  DANCU_KAFKA_SECURITY: 'sasl_ssl',
  DANCU_KAFKA_BROKERS: address,
  DANCU_KAFKA_CA_FILE: layout.secureKafka.caCertificate,
  DANCU_KAFKA_SECRETS_DIR: layout.secureKafka.secrets,
  DANCU_KAFKA_USERNAME: ADMIN_PRINCIPAL,
};

/** A login to the secure broker as `principal`, with its password from the stack's folder (or the one given). */
function loginAs(principal: string, password?: string): KafkaConnection {
  return kafkaConnection({
    ...config,
    DANCU_KAFKA_SECURITY: 'sasl_ssl',
    DANCU_KAFKA_BROKERS: [address],
    DANCU_KAFKA_CA_FILE: SECURE_ENV.DANCU_KAFKA_CA_FILE,
    DANCU_KAFKA_SECRETS_DIR: SECURE_ENV.DANCU_KAFKA_SECRETS_DIR,
    DANCU_KAFKA_USERNAME: principal,
    DANCU_KAFKA_PASSWORD: password,
  });
}

/** A client that tries once, for attempts meant to fail. */
function oneTry(settings: Pick<KafkaConfig, 'ssl' | 'sasl'> = {}): Kafka {
  return new Kafka({ brokers: [address], ...settings, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3_000 });
}

/** The broker's error type, wherever kafkajs wrapped it (a send retried, then given up). */
function refusal(error: unknown): { name: string; type?: string } {
  let cause = error;
  while (cause instanceof Error) {
    const type = (cause as { type?: string }).type;
    if (type) return { name: cause.name, type };
    if (!(cause.cause instanceof Error)) return { name: cause.name };
    cause = cause.cause;
  }
  return { name: String(error) };
}

/** Made once the stack's PostgreSQL has TLS (in beforeAll). */
let securePostgres: SecurePostgres;

/** A server's log from here on: what it says about the next attempt. */
function logFrom(file: string): () => string {
  const start = statSync(file).size;
  return () => readFileSync(file).subarray(start).toString('utf8');
}

const brokerLogFrom = () => logFrom(secureKafkaLog(layout));
const postgresLogFrom = () => logFrom(registerCluster(layout).log);

/** Waits for the server to log a line with every one of `texts` (after `since`'s start). */
async function expectLogged(since: () => string, ...texts: string[]): Promise<void> {
  const logged = (log: string) => log.split('\n').some((line) => texts.every((text) => line.includes(text)));
  expect(logged(await waitUntil(async () => since(), logged, 10_000, `the server to log ${texts.join(' … ')}`))).toBe(true);
}

/** The password `stack up --secure` gave a service's role. */
function rolePassword(service: ServiceRole): string {
  return readSecretFile(join(securePostgres.secrets, roleName(service)));
}

/** One connection attempt to the secure register as a service's role: its error message, or null when it got in. */
async function connectAs(service: ServiceRole, password: string, tls: 'verify-full' | 'disable', caFile: string = securePostgres.ca): Promise<string | null> {
  const url = new URL(serviceDatabaseUrl(secureDatabaseUrl(config.DATABASE_URL, SECURE_TEST_DATABASE, caFile), service, password));
  if (tls === 'disable') url.search = '?sslmode=disable';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Another stack's CA: a server certificate it did not sign must be refused by the client. */
async function strangerCa(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'dancu-stranger-ca-'));
  const stranger = stackLayout(dir).secureKafka;
  return (await ensureStackCa(stranger)).certificate;
}

describe('on the secure stack, every service and sector is its own principal or role and may do only what its ACLs and grants say', () => {
  // Made once the secure broker runs: on a fresh machine its passwords do not exist before.
  let run: IsolatedRun;
  const producers: Producer[] = [];
  let report: SourceQuality[];
  let day: SectorDay;
  let brokerStart: { state: string; seconds: number };

  async function producerAs(principal: string): Promise<Producer> {
    const producer = await connectProducer(createKafka(loginAs(principal), `test-${principal}`, testLogger));
    producers.push(producer);
    return producer;
  }

  /** Connects and asks for population.updates.v1 (its partitions and leaders), as a reader does first. */
  async function readUpdates(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({ topics: [run.topics.populationUpdates], fromBeginning: true });
  }

  /** A `dancu` command on the run's topics, logged in as `principal`. */
  async function dancuAs(principal: string, args: string[]): Promise<{ stdout: string }> {
    return exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...SECURE_ENV, DANCU_TOPIC_NAMESPACE: run.namespace, DANCU_KAFKA_USERNAME: principal },
    });
  }

  /** `dancu publish` of the day's events of `source`, as a sector does it, logged in as `principal`. */
  async function publishAs(principal: string, source: SourceName): Promise<{ stdout: string }> {
    const file = join(mkdtempSync(join(tmpdir(), 'dancu-identities-')), `${source}.jsonl`);
    writeFileSync(file, day.events[source].map((event) => JSON.stringify(event)).join('\n'));
    return dancuAs(principal, ['publish', '--source', source, file]);
  }

  beforeAll(async () => {
    const started = Date.now();
    brokerStart = { state: await secureKafkaUp(layout, secure), seconds: (Date.now() - started) / 1000 };
    securePostgres = await securePostgresUp(layout, config.DATABASE_URL);
    // The register too as a secure deployment has it: over TLS only, every login with its password.
    run = new IsolatedRun(
      'identities',
      testLogger,
      {
        ...SECURE_ENV,
        DATABASE_URL: secureDatabaseUrl(config.DATABASE_URL, SECURE_TEST_DATABASE, securePostgres.ca),
        DANCU_DATABASE_SECRETS_DIR: securePostgres.secrets,
      },
      SECURE_TEST_DATABASE,
    );
    // A run stopped before its clean-up left its database behind.
    await dropDatabase(run.databaseUrl);
    const population = generatePopulation(60, 2020);
    await run.setUp({ register: population });
    // A service that kept the run's own login would be the operator here, who may read and write no message.
    run.env.DANCU_KAFKA_USERNAME = servicePrincipal('operator');
    await run.startServices({ steward: true, monitor: true });
    day = generateSectorDay(
      population,
      { births: 2, deaths: 1, marriages: 0, nameChanges: 0, vaccinations: 3, benefits: 2, licences: 2, invalidPerSource: 1 },
      2021,
    );
    // Each sector publishes its own day, logged in as itself.
    for (const source of SOURCE_NAMES) {
      const result = await publishEvents({
        producer: await producerAs(sectorPrincipal(source)),
        registry: run.registry,
        topic: run.topics[SOURCE_TOPICS[source].events],
        record: SOURCE_ADAPTERS[source].record,
        events: day.events[source],
      });
      expect(result.rejected).toEqual([]);
    }
    await run.waitUntilDrained(120_000);
    await run.waitUntilRelayed();
    report = await qualityReport(run.kafka, run.admin, run.pool, run.topics);
  });

  afterAll(async () => {
    for (const producer of producers) await producer.disconnect();
    await run?.cleanUp();
    console.log(`[secure-kafka] ${brokerStart.state} in ${brokerStart.seconds.toFixed(1)} s`);
  });

  it('gives each service the run starts its own principal', () => {
    const services = ['ingest', 'linker', 'store', 'steward', 'monitor'] as const;
    expect(services.map((name) => serviceEnv(name, run.env).DANCU_KAFKA_USERNAME)).toEqual(services.map(servicePrincipal));
  });

  it.each(SOURCE_NAMES)('runs %s end to end: every event published by the sector is applied or rejected, nothing lost', (source) => {
    const q = report.find((r) => r.source === source);
    expect(q && { applied: q.applied > 0, rejected: q.rejected > 0, accounted: q.applied + q.rejected }).toEqual({
      applied: true,
      rejected: true,
      accounted: q?.received,
    });
  });

  it('lets the monitor sample the pipeline’s lag as its own principal', async () => {
    const since = Date.now();
    const sampled = await waitUntil(
      async () => ((await (await fetch(`http://127.0.0.1:${run.httpPort('monitor')}/api/status`)).json()) as PipelineStatus).current,
      (current) => current !== null && current.at > since,
      30_000,
      'a monitor sample',
    );
    expect(Object.entries(sampled.lagByGroup).map(([group, lag]) => [group, lag.messages])).toEqual(Object.values(run.groups).map((group) => [group, 0]));
  });

  it('puts the store’s population updates on population.updates.v1', async () => {
    expect(await run.messageCount(run.topics.populationUpdates)).toBeGreaterThan(0);
  });

  it.each([
    ['a sector writing another sector’s topic', sectorPrincipal('vaccination'), 'civilStatus'],
    ['ingest writing link decisions', servicePrincipal('ingest'), 'decisions'],
    ['the steward service writing population updates', servicePrincipal('steward'), 'populationUpdates'],
  ] as const)('refuses %s, and the broker logs the denial', async (_attempt, principal, topicKey) => {
    const since = brokerLogFrom();
    const topic = run.topics[topicKey];
    const sent = (await producerAs(principal)).send({ topic, messages: [{ key: 'x', value: 'forged' }], acks: -1 });
    await expect(sent.catch(refusal)).resolves.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await expectLogged(since, `Principal = User:${principal} is Denied operation = DESCRIBE from host = 127.0.0.1 on resource = Topic:LITERAL:${topic}`);
  });

  it('lets `dancu publish` logged in as a sector publish its own records', async () => {
    const { stdout } = await publishAs(sectorPrincipal('civil-status'), 'civil-status');
    expect(stdout).toContain(`published ${day.events['civil-status'].length} events to ${run.topics.civilStatus}`);
  });

  it('refuses `dancu publish` logged in as a sector another sector’s topic, saying so', async () => {
    const failure = await publishAs(sectorPrincipal('civil-status'), 'vaccination').then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect([failure?.code, failure?.stderr]).toEqual([1, expect.stringContaining(`this login may not see or create the topics ${run.topics.vaccination}`)]);
  });

  it('ends `dancu lag` logged in as a sector at once, saying the login may not describe the groups, though its client would retry for two minutes', async () => {
    const started = Date.now();
    const failure = await dancuAs(sectorPrincipal('vaccination'), ['lag']).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect([failure?.code, failure?.stderr]).toEqual([1, expect.stringContaining('the login sector-vaccination may not describe them')]);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('refuses a client without TLS reading population.updates.v1, and the broker logs the failed handshake', async () => {
    const since = brokerLogFrom();
    const consumer = oneTry().consumer({ groupId: `${run.namespace}.anonymous` });
    await expect(readUpdates(consumer).catch(refusal)).resolves.toMatchObject({ name: expect.stringMatching(/^KafkaJS(NumberOfRetriesExceeded|Connection)/) });
    await expectLogged(since, 'Failed authentication with /127.0.0.1 (channelId=', 'SSL handshake failed');
  });

  it('refuses a client with TLS but no login reading population.updates.v1, and the broker logs it', async () => {
    const since = brokerLogFrom();
    const consumer = oneTry({ ssl: securitySettings(loginAs(ADMIN_PRINCIPAL)).ssl }).consumer({ groupId: `${run.namespace}.anonymous` });
    await expect(readUpdates(consumer).catch(refusal)).resolves.toMatchObject({ name: expect.stringMatching(/^KafkaJS(NumberOfRetriesExceeded|Connection)/) });
    await expectLogged(since, 'Unexpected Kafka request of type METADATA during SASL handshake');
  });

  it('refuses a wrong password, and the broker logs the failed login', async () => {
    const since = brokerLogFrom();
    const admin = oneTry(securitySettings(loginAs(sectorPrincipal('civil-status'), 'not-the-password'))).admin();
    await expect(admin.connect().catch(refusal)).resolves.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    await expectLogged(since, 'Failed authentication with /127.0.0.1 (channelId=', 'invalid credentials with SASL mechanism SCRAM-SHA-512');
  });

  it('lets an operator see the pipeline’s offsets and lag but read no message', async () => {
    const kafka = createKafka(loginAs(servicePrincipal('operator')), 'test-operator', testLogger);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const lags = await measureLag(kafka, admin, pipelineGroupTopics(run.topics, run.groups));
      expect(lags.filter((l) => l.committed !== '-1').map((l) => l.lag)).toEqual(expect.arrayContaining([0]));
      const since = brokerLogFrom();
      const read = readTopicSnapshot(kafka, admin, run.topics.populationUpdates, { timeoutMs: 20_000 });
      await expect(read.catch(refusal)).resolves.toMatchObject({ type: 'GROUP_AUTHORIZATION_FAILED' });
      await expectLogged(since, 'Principal = User:dancu-operator is Denied operation = READ', 'Group:LITERAL:dancu-reader-');
    } finally {
      await admin.disconnect();
    }
  });

  it('connects every service to the register over TLS, each as its own role', async () => {
    const sessions = await waitUntil(
      async () =>
        (
          await run.pool.query<{ role: string; tls: boolean }>(
            `select distinct a.usename as role, s.ssl as tls from pg_stat_activity a join pg_stat_ssl s using (pid)
              where a.datname = current_database() order by 1`,
          )
        ).rows,
      (rows) => rows.length === 5,
      30_000,
      'a session of each service and the run',
    );
    expect(sessions).toEqual(['dancu_linker', 'dancu_monitor', 'dancu_steward', 'dancu_store', 'postgres'].map((role) => ({ role, tls: true })));
  });

  it('refuses a client without TLS to the register before any password, and the server logs it', async () => {
    const since = postgresLogFrom();
    const refused = await connectAs('steward', rolePassword('steward'), 'disable');
    expect(refused).toContain('no encryption');
    await expectLogged(since, `pg_hba.conf rejects connection for host "127.0.0.1", user "dancu_steward", database "${SECURE_TEST_DATABASE}", no encryption`);
  });

  it('refuses a wrong password to the register, and the server logs it', async () => {
    const since = postgresLogFrom();
    expect(await connectAs('store', 'not-the-password', 'verify-full')).toBe('password authentication failed for user "dancu_store"');
    await expectLogged(since, 'password authentication failed for user "dancu_store"');
  });

  it('refuses, in the client, a register whose certificate the trusted CA did not sign', async () => {
    const refused = await connectAs('store', rolePassword('store'), 'verify-full', await strangerCa());
    expect(refused).toBe('unable to verify the first certificate');
  });

  it('refuses the steward service’s role, logged in over TLS, an update of a citizen row, and the server logs it', async () => {
    const steward = new pg.Client({ connectionString: serviceDatabaseUrl(run.databaseUrl, 'steward', rolePassword('steward')) });
    await steward.connect();
    try {
      const since = postgresLogFrom();
      await expect(steward.query('update citizens set citizen_id = citizen_id')).rejects.toThrow('permission denied for table citizens');
      await expectLogged(since, 'ERROR:  permission denied for table citizens');
    } finally {
      await steward.end();
    }
  });
});
