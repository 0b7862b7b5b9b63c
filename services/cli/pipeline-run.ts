import type { Admin, Kafka, Producer } from 'kafkajs';
import { migrate } from '../shared/store/migrate.js';
import { connectProducer, createKafka, ensureTopics, kafkaConnection } from '../shared/kafka/client.js';
import { topicMessageCount } from '../shared/kafka/lag.js';
import { applyAcls, removeAcls } from '../shared/kafka/acl-apply.js';
import type { AclTarget } from '../shared/kafka/kafka-acls.js';
import { topicsFor, type Topics } from '../shared/schemas/topics.js';
import type { Logger } from '../shared/observability/logger.js';
import { createMetrics, type Metrics } from '../shared/observability/metrics.js';
import { SchemaRegistryClient } from '../shared/kafka/registry.js';
import { waitUntilDrained, type PipelineGroups } from '../shared/service/drain.js';
import type { RunningService } from '../shared/service/stage-service.js';
import { createPool, type Pool } from '../shared/store/db.js';
import type { CliConfig } from './config.js';
import { createDatabase } from './stack/postgres-node.js';
import { startServices, stopServices } from './service-catalogue.js';

export interface PipelineCounts {
  deadLettered: number;
  observations: number;
  citizensCreated: number;
  deathsRecorded: number;
  citizensUpdated: number;
  recordsLinked: number;
  reviewCases: number;
  updatesPublished: number;
}

/**
 * One isolated run of the whole pipeline: its own database and topic namespace, the services in
 * this process, and helpers to wait for the drain and count the outcome. The demo and the
 * end-to-end tests both drive the pipeline through it, so they exercise the same wiring.
 */
export class PipelineRun {
  readonly topics: Topics;
  readonly groups: PipelineGroups;
  readonly env: NodeJS.ProcessEnv;
  readonly kafka: Kafka;
  readonly registry: SchemaRegistryClient;
  readonly pool: Pool;
  private admin_: Admin | null = null;
  private producer_: Producer | null = null;
  private services: RunningService[] = [];
  /** On a secure broker the run logs in as an administrator, who creates its topics and ACLs and removes them after. */
  private readonly secure: boolean;

  /**
   * `metrics`: one set for the run's services, apart from any other run's in the process. `env`:
   * settings for the run and its services over the process's (a secure broker's, for one).
   */
  constructor(
    readonly config: CliConfig,
    readonly databaseUrl: string,
    readonly namespace: string,
    private readonly logger: Logger,
    readonly metrics: Metrics = createMetrics(),
    env: NodeJS.ProcessEnv = {},
  ) {
    this.topics = topicsFor(namespace);
    this.groups = { ingest: `${namespace}.ingest`, linker: `${namespace}.linker`, store: `${namespace}.store` };
    this.env = {
      ...process.env,
      ...env,
      DATABASE_URL: databaseUrl,
      DANCU_TOPIC_NAMESPACE: namespace,
      DANCU_INGEST_GROUP_ID: this.groups.ingest,
      DANCU_LINKER_GROUP_ID: this.groups.linker,
      DANCU_STORE_GROUP_ID: this.groups.store,
      DANCU_OUTBOX_POLL_MS: '100',
      // Free ports: runs side by side (and a `dancu run` elsewhere) must not collide.
      DANCU_INGEST_HTTP_PORT: '0',
      DANCU_LINKER_HTTP_PORT: '0',
      DANCU_STORE_HTTP_PORT: '0',
      DANCU_MONITOR_HTTP_PORT: '0',
      DANCU_STEWARD_HTTP_PORT: '0',
      DANCU_STEWARD_MANAGEMENT_HTTP_PORT: '0',
    };
    this.kafka = createKafka(kafkaConnection(config), `dancu-run-${namespace}`, logger);
    this.secure = config.DANCU_KAFKA_SECURITY === 'sasl_ssl';
    this.registry = new SchemaRegistryClient(config.DANCU_SCHEMA_REGISTRY_URL);
    this.pool = createPool(databaseUrl, 3);
  }

  /** Creates the database (migrated) and the topics (and on a secure broker their ACLs). */
  async prepare(): Promise<void> {
    await createDatabase(this.databaseUrl);
    await migrate(this.databaseUrl);
    this.admin_ = this.kafka.admin();
    await this.admin_.connect();
    await ensureTopics(this.admin_, Object.values(this.topics));
    if (this.secure) await applyAcls(this.admin_, this.aclTarget);
    this.producer_ = await connectProducer(this.kafka, { metadataMaxAgeMs: this.config.DANCU_KAFKA_METADATA_MAX_AGE_MS });
  }

  get aclTarget(): AclTarget {
    return { topics: this.topics, groups: this.groups, namespace: this.namespace };
  }

  get admin(): Admin {
    if (!this.admin_) throw new Error('prepare() the run first');
    return this.admin_;
  }

  get producer(): Producer {
    if (!this.producer_) throw new Error('prepare() the run first');
    return this.producer_;
  }

  /** Starts the pipeline's services (and the stewards' review service, and the monitor watching them, when asked). */
  async startServices(options: { monitor?: boolean; steward?: boolean } = {}): Promise<void> {
    this.services = await startServices(['ingest', 'linker', 'store', ...(options.steward ? (['steward'] as const) : [])], this.env, this.logger, this.metrics);
    if (options.monitor) {
      const watched = this.services.map((service) => `${service.name}=http://127.0.0.1:${service.managementPort ?? service.httpPort}`).join(',');
      this.services.push(
        ...(await startServices(['monitor'], { ...this.env, DANCU_MONITOR_SERVICES: watched, DANCU_MONITOR_INTERVAL_MS: '1000' }, this.logger, this.metrics)),
      );
    }
  }

  /** Port of a running service's HTTP endpoints. */
  httpPort(name: string): number {
    const service = this.services.find((s) => s.name === name);
    if (!service) throw new Error(`${name} is not running in this run`);
    return service.httpPort;
  }

  /** Stops one of the run's services, leaving the others running (a stage that is away). */
  async stopService(name: string): Promise<void> {
    const stopping = this.services.filter((service) => service.name === name);
    await stopServices(stopping);
    this.services = this.services.filter((service) => !stopping.includes(service));
  }

  /** Starts one service of the pipeline again, as startServices does. */
  async startService(name: 'ingest' | 'linker' | 'store'): Promise<void> {
    this.services.push(...(await startServices([name], this.env, this.logger, this.metrics)));
  }

  /** Stops the run's services (to change their environment and start them again). */
  async stopServices(): Promise<void> {
    await stopServices(this.services);
    this.services = [];
  }

  async waitUntilDrained(timeoutMs: number): Promise<void> {
    await waitUntilDrained(this.admin, this.pool, this.topics, this.groups, timeoutMs);
  }

  /** Messages on one of the run's topics now. */
  async messageCount(topic: string): Promise<number> {
    return topicMessageCount(this.admin, topic);
  }

  async counts(): Promise<PipelineCounts> {
    const actions = await this.pool.query<{ action: string; n: string }>('select action, count(*) as n from audit_log group by action');
    const byAction = new Map(actions.rows.map((row) => [row.action, Number(row.n)]));
    const published = await this.pool.query<{ n: string }>('select count(*) as n from outbox where published_at is not null');
    return {
      deadLettered: await this.messageCount(this.topics.deadLetters),
      observations: await this.messageCount(this.topics.observations),
      citizensCreated: byAction.get('CITIZEN_CREATED') ?? 0,
      deathsRecorded: byAction.get('DEATH_RECORDED') ?? 0,
      citizensUpdated: byAction.get('CITIZEN_UPDATED') ?? 0,
      recordsLinked: byAction.get('RECORD_LINKED') ?? 0,
      reviewCases: byAction.get('REVIEW_CASE_OPENED') ?? 0,
      updatesPublished: Number(published.rows[0]?.n ?? 0),
    };
  }

  /** Stops the services and disconnects; `dropTopics` removes the run's topics from the broker. */
  async close(options: { dropTopics: boolean }): Promise<void> {
    await stopServices(this.services);
    this.services = [];
    await this.producer_?.disconnect();
    if (this.admin_) {
      if (options.dropTopics) await this.admin_.deleteTopics({ topics: Object.values(this.topics) }).catch(() => undefined);
      if (options.dropTopics && this.secure) await removeAcls(this.admin_, this.aclTarget);
      await this.admin_.disconnect();
    }
    await this.pool.end();
  }
}
