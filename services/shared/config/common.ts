import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { zodProblems } from './json-file.js';

/**
 * Whether a value can be a PostgreSQL connection string: its scheme, not a full URL parse, since
 * pg also takes forms WHATWG URLs refuse (a Unix socket: postgres://user@/db?host=/var/run/postgresql).
 */
function isDatabaseUrl(value: string): boolean {
  return /^postgres(ql)?:\/\/./.test(value) || /^socket:./.test(value);
}

/**
 * Settings every service shares. Each service's config.ts extends this shape with its own
 * fields, so one variable has one name and one default everywhere (the README lists them).
 */
export const commonConfigShape = {
  DANCU_KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) =>
      value
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
    ),
  /**
   * plaintext: no TLS and no login (the local stack's broker); sasl_ssl: TLS, and a SCRAM-SHA-512
   * login as DANCU_KAFKA_USERNAME with DANCU_KAFKA_PASSWORD (or DANCU_KAFKA_PASSWORD_FILE, a file
   * holding it), trusting the CA in DANCU_KAFKA_CA_FILE (else the system's). Never printed.
   */
  DANCU_KAFKA_SECURITY: z.enum(['plaintext', 'sasl_ssl']).default('plaintext'),
  DANCU_KAFKA_USERNAME: z.string().optional(),
  DANCU_KAFKA_PASSWORD: z.string().optional(),
  DANCU_KAFKA_PASSWORD_FILE: z.string().optional(),
  DANCU_KAFKA_CA_FILE: z.string().optional(),
  /** A folder of one password file per principal (`stack up --secure` writes one): the login's password when none is given. */
  DANCU_KAFKA_SECRETS_DIR: z.string().optional(),
  /** The client a service's producer runs on: kafkajs, or @platformatic/kafka (faster per message, see docs/BENCHMARKS.md "Kafka client"). */
  DANCU_KAFKA_CLIENT: z.enum(['kafkajs', 'platformatic']).default('kafkajs'),
  /**
   * How long a consumer group waits to hear from a member before handing its partitions to the
   * others (a crashed instance's partitions wait this long), and how long a fetch waits for data
   * when there is none (a stopping consumer waits for its last fetch, so also how long a stop can
   * take). Tests set them shorter (see test/helpers/isolated-run.ts).
   */
  DANCU_KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  DANCU_KAFKA_FETCH_WAIT_MS: z.coerce.number().int().min(10).max(30_000).default(5_000),
  /**
   * How old a kafkajs producer's or consumer's view of the partitions' leaders may be before a send
   * or a fetch asks the cluster again. A failed request asks again at once, but the answer may come
   * before the cluster has moved a lost broker's leaders (it fences the broker first), and the
   * next retry, seconds later, would use it; a shorter age makes that retry ask afresh.
   */
  DANCU_KAFKA_METADATA_MAX_AGE_MS: z.coerce.number().int().min(1_000).default(300_000),
  DANCU_SCHEMA_REGISTRY_URL: z.string().url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:55432/dancu').refine(isDatabaseUrl, 'not a URL: give postgres://user@host:port/database'),
  /**
   * per-service: each service connects to the register as its own role (dancu_linker,
   * dancu_store, dancu_steward, dancu_monitor; `dancu migrate` creates them with their grants);
   * shared: every service uses DATABASE_URL's user, for a server where roles cannot be created.
   */
  DANCU_DATABASE_ROLES: z.enum(['per-service', 'shared']).default('per-service'),
  DANCU_TOPIC_NAMESPACE: z.string().default(''),
  /** Linkage settings file; empty for the committed default (services/shared/linkage/default-settings.json). */
  DANCU_LINKAGE_SETTINGS: z.string().default(''),
  /** Survivorship rules file (which value of a citizen's field is current); empty for the committed default (services/shared/register/survivorship.json). */
  DANCU_SURVIVORSHIP_RULES: z.string().default(''),
  /** Address the services' HTTP endpoints (/metrics, /healthz, /readyz) listen on; 0.0.0.0 in containers. */
  DANCU_HTTP_HOST: z.string().default('127.0.0.1'),
  DANCU_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
};

/**
 * The pipeline's consumer groups: each service reads its own, the monitor and `dancu lag` read
 * all three. `DANCU_<SERVICE>_HTTP_PORT` is where a service serves /metrics, /healthz and
 * /readyz (0: a free port, as tests and the demo use).
 */
export const groupConfigShape = {
  DANCU_INGEST_GROUP_ID: z.string().default('dancu-ingest'),
  DANCU_LINKER_GROUP_ID: z.string().default('dancu-linker'),
  DANCU_STORE_GROUP_ID: z.string().default('dancu-store'),
};

export const httpPortShape = {
  DANCU_INGEST_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9401),
  DANCU_LINKER_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9402),
  DANCU_STORE_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9403),
};

export const commonConfigSchema = z.object(commonConfigShape);
export type CommonConfig = z.infer<typeof commonConfigSchema>;

/** Parses env with a zod schema and reports every bad variable at once. */
export function parseConfig<T extends z.ZodTypeAny>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) throw new ConfigError(`invalid configuration: ${zodProblems(result.error)}`);
  return result.data;
}
