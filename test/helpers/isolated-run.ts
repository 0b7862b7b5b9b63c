import type { Logger } from 'pino';
import { loadConfig } from '../../services/cli/config.js';
import { PipelineRun } from '../../services/cli/pipeline-run.js';
import { createMetrics } from '../../services/shared/observability/metrics.js';
import { createDatabase } from '../../services/cli/stack/postgres-node.js';
import { createPool, type Pool } from '../../services/shared/store/db.js';
import { migrate } from '../../services/shared/store/migrate.js';
import { valueSubject } from '../../services/shared/schemas/topics.js';
import type { SyntheticCitizen } from '../../services/shared/synth/population.js';
import { config, dropDatabase, testDatabaseUrl, testLogger, uniqueName } from './real-stack.js';
import { loadRegister } from './register.js';
import { deleteSubject } from './registry-artifacts.js';
import { ServiceProcesses } from './service-processes.js';
import { waitUntil } from './wait.js';

/**
 * An idle fetch waits half a second (the Java client's default) instead of the services' 5 s: a
 * stopping service waits for its last fetch, and every run stops its services.
 */
const QUICK_STOP: NodeJS.ProcessEnv = { DANCU_KAFKA_FETCH_WAIT_MS: '500' };

/**
 * For runs that kill an instance or a broker: a group waits 10 s (the Java client's default
 * before Kafka 3.0) instead of the services' 30 s for a member it no longer hears from (a killed
 * instance; after its coordinator's broker is lost, every member of the group as it was) before
 * it lets the others, or the instance started in its place, go on.
 */
export const QUICK_TAKEOVER: NodeJS.ProcessEnv = { DANCU_KAFKA_SESSION_TIMEOUT_MS: '10000' };

/**
 * A pipeline run no other test (nor an earlier run) shares: its own topic namespace, consumer
 * groups and database, named from `prefix`. `setUp` creates and migrates the database, creates
 * the topics and loads the register; the stages then start in this process (`startServices`, as
 * the demo runs them) or as separate processes (`startProcesses`, when a test kills one);
 * `cleanUp` stops whatever runs and drops the topics (and their schemas) and the database.
 *
 *     const run = new IsolatedRun('e2e');
 *     beforeAll(async () => { await run.setUp({ register: population }); await run.startServices(); … });
 *     afterAll(() => run.cleanUp());
 */
export class IsolatedRun extends PipelineRun {
  private processes_: ServiceProcesses | null = null;

  /**
   * `env`: settings over the process's for the run and its services (a secure broker's, for one);
   * its DATABASE_URL names the server the run's own database is created on (the Citus coordinator, for one).
   * `database`: that database's name, when it must be a given one (a secure register's, which
   * pg_hba.conf serves by name); otherwise it is named after the run. Made and dropped as the run's own.
   */
  constructor(prefix: string, logger: Logger = testLogger, env: NodeJS.ProcessEnv = {}, database?: string) {
    const name = uniqueName(prefix);
    const runConfig = Object.keys(env).length === 0 ? config : loadConfig({ ...process.env, ...env });
    super(runConfig, testDatabaseUrl(database ?? name, runConfig.DATABASE_URL), name, logger, createMetrics(), { ...QUICK_STOP, ...env });
  }

  /**
   * The database (migrated, then `afterMigrate`: the Citus distribution, for one), the topics and,
   * when given, the register's citizens, loaded as an operator loads them. Nothing runs yet.
   */
  async setUp(options: { register?: SyntheticCitizen[]; afterMigrate?: () => Promise<unknown> } = {}): Promise<void> {
    await this.prepare();
    await options.afterMigrate?.();
    if (options.register) await loadRegister(this, options.register);
  }

  /** The run's services as separate processes (`dancu run`), which a test can kill with SIGKILL and start again. */
  get processes(): ServiceProcesses {
    this.processes_ ??= new ServiceProcesses(this.env);
    return this.processes_;
  }

  /** Starts instances as processes (`store#2` is a second store), one after the other, each ready before the next. */
  async startProcesses(instances: string[]): Promise<void> {
    for (const instance of instances) await this.processes.start(instance);
  }

  async stopProcesses(): Promise<void> {
    await this.processes_?.stopAll();
  }

  /** The `n` a `select count(*) as n …` query gives. */
  async countOf(sql: string, params: unknown[] = []): Promise<number> {
    return Number((await this.pool.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
  }

  /** Waits until the outbox relay has published every update written so far. */
  async waitUntilRelayed(timeoutMs = 60_000): Promise<void> {
    await waitUntil(
      () => this.countOf('select count(*) as n from outbox where published_at is null'),
      (n) => n === 0,
      timeoutMs,
      'the outbox relayed',
    );
  }

  /** Stops the services (in-process and processes), drops the run's topics, their schemas in the registry and its database. */
  async cleanUp(): Promise<void> {
    await this.stopProcesses();
    await this.close({ dropTopics: true });
    await Promise.all(Object.values(this.topics).map((topic) => deleteSubject(this.registry.url, valueSubject(topic))));
    await dropDatabase(this.databaseUrl);
  }
}

/** A migrated database of its own, for tests of the store without Kafka. */
export class IsolatedDatabase {
  readonly name: string;
  readonly url: string;
  private pool_: Pool | null = null;

  constructor(prefix: string) {
    this.name = uniqueName(prefix);
    this.url = testDatabaseUrl(this.name);
  }

  async setUp(): Promise<void> {
    await createDatabase(this.url);
    await migrate(this.url);
    this.pool_ = createPool(this.url, 2);
  }

  get pool(): Pool {
    if (!this.pool_) throw new Error('setUp() the database first');
    return this.pool_;
  }

  async cleanUp(): Promise<void> {
    await this.pool_?.end();
    await dropDatabase(this.url);
  }
}
