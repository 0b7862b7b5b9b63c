import { z } from 'zod';
import { commonConfigShape, groupConfigShape, parseConfig } from '../shared/config/common.js';
import { readSecret, secretInFolder } from '../shared/config/secrets.js';

export const cliConfigSchema = z.object({
  ...commonConfigShape,
  ...groupConfigShape,
  DANCU_STACK_KAFKA_HEAP_MB: z.coerce.number().int().min(256).default(1024),
  /** Heap of each node of `stack up --brokers 3` (three JVMs share the machine). */
  DANCU_STACK_KAFKA_NODE_HEAP_MB: z.coerce.number().int().min(256).default(512),
  DANCU_STACK_REGISTRY_HEAP_MB: z.coerce.number().int().min(128).default(512),
  DANCU_STACK_CONNECT_HEAP_MB: z.coerce.number().int().min(256).default(512),
  /** The secure broker `stack up --secure` runs beside the plaintext one (SASL_SSL here, its controller on the next port). */
  DANCU_STACK_SECURE_KAFKA: z.string().default('127.0.0.1:9192'),
  DANCU_STACK_SECURE_KAFKA_HEAP_MB: z.coerce.number().int().min(256).default(512),
  /** Kafka Connect's REST API (`stack up --connect`, `dancu connect`). */
  DANCU_CONNECT_URL: z.string().url().default('http://127.0.0.1:8083'),
  /** The sector database `stack up --connect` runs (logical decoding on), for trying a connector locally. */
  DANCU_SECTOR_DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:55433/sector_vaccination'),
  DANCU_DRAIN_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000),
  /** The password of DATABASE_URL's user when the URL holds none (or `_FILE`: a file holding it). */
  DANCU_DATABASE_PASSWORD: z.string().optional(),
  DANCU_DATABASE_PASSWORD_FILE: z.string().optional(),
  /**
   * A folder of one password file per database login, named after it (`postgres`, `dancu_store`,
   * …; `stack up --secure` writes one, or a mounted secrets folder): the owner's and each role's
   * password when no variable above gives it.
   */
  DANCU_DATABASE_SECRETS_DIR: z.string().optional(),
  /** The services' role passwords (or `_FILE`s) that `migrate` gives the roles and `dancu run` connects with. */
  DANCU_LINKER_DATABASE_PASSWORD: z.string().optional(),
  DANCU_LINKER_DATABASE_PASSWORD_FILE: z.string().optional(),
  DANCU_STORE_DATABASE_PASSWORD: z.string().optional(),
  DANCU_STORE_DATABASE_PASSWORD_FILE: z.string().optional(),
  DANCU_STEWARD_DATABASE_PASSWORD: z.string().optional(),
  DANCU_STEWARD_DATABASE_PASSWORD_FILE: z.string().optional(),
  DANCU_MONITOR_DATABASE_PASSWORD: z.string().optional(),
  DANCU_MONITOR_DATABASE_PASSWORD_FILE: z.string().optional(),
});

export type CliConfig = z.infer<typeof cliConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): CliConfig {
  const config = parseConfig(cliConfigSchema, env);
  return { ...config, DATABASE_URL: withOwnerPassword(env, config.DATABASE_URL) };
}

/**
 * DATABASE_URL with its user's password when it holds none of its own: DANCU_DATABASE_PASSWORD
 * (or `_FILE`), else the user's file in DANCU_DATABASE_SECRETS_DIR.
 */
function withOwnerPassword(env: NodeJS.ProcessEnv, databaseUrl: string): string {
  const url = new URL(databaseUrl);
  if (url.password !== '') return databaseUrl;
  const password =
    readSecret(env, 'DANCU_DATABASE_PASSWORD') ?? secretInFolder(env, 'DANCU_DATABASE_SECRETS_DIR', decodeURIComponent(url.username) || 'postgres');
  if (password === undefined) return databaseUrl;
  url.password = encodeURIComponent(password);
  return url.toString();
}
