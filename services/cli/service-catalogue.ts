import { loadConfig as ingestConfig } from '../ingest/config.js';
import { startIngest } from '../ingest/ingest-service.js';
import { loadConfig as linkerConfig } from '../linker/config.js';
import { loadConfig as monitorConfig } from '../monitor/config.js';
import { startMonitor } from '../monitor/monitor-service.js';
import { startLinker } from '../linker/linker-service.js';
import type { Logger } from '../shared/observability/logger.js';
import type { Metrics } from '../shared/observability/metrics.js';
import type { RunningService } from '../shared/service/stage-service.js';
import { loadConfig as storeConfig } from '../store/config.js';
import { startStore } from '../store/store-service.js';
import { loadConfig as stewardConfig } from '../steward/config.js';
import { commonConfigShape } from '../shared/config/common.js';
import { readSecret, secretInFolder } from '../shared/config/secrets.js';
import { isServiceRole, roleName, serviceDatabaseUrl, SERVICE_ROLES, type ServiceRole } from '../shared/store/service-roles.js';
import { servicePrincipal } from '../shared/kafka/kafka-acls.js';
import { principalPassword } from '../shared/kafka/client.js';
import type { RolePasswords } from '../shared/store/role-grants.js';
import { startSteward } from '../steward/steward-service.js';

/** The pipeline's services in the order events flow through them, the monitor and the stewards' review service; each reads its own config. */
export const SERVICES = {
  ingest: (env: NodeJS.ProcessEnv, logger: Logger, metrics: Metrics) => startIngest(ingestConfig(env), logger.child({ component: 'ingest' }), metrics),
  linker: (env: NodeJS.ProcessEnv, logger: Logger, metrics: Metrics) => startLinker(linkerConfig(env), logger.child({ component: 'linker' }), metrics),
  store: (env: NodeJS.ProcessEnv, logger: Logger, metrics: Metrics) => startStore(storeConfig(env), logger.child({ component: 'store' }), metrics),
  monitor: (env: NodeJS.ProcessEnv, logger: Logger, metrics: Metrics) => startMonitor(monitorConfig(env), logger.child({ component: 'monitor' }), metrics),
  steward: (env: NodeJS.ProcessEnv, logger: Logger, metrics: Metrics) => startSteward(stewardConfig(env), logger.child({ component: 'steward' }), metrics),
} as const;

export type ServiceName = keyof typeof SERVICES;

export function isServiceName(name: string): name is ServiceName {
  return name in SERVICES;
}

/**
 * Starts the named services in one process; if one fails to start, the started ones are stopped.
 * They share `metrics`, so each serves the whole process's metrics on its port.
 */
export async function startServices(names: ServiceName[], env: NodeJS.ProcessEnv, logger: Logger, metrics: Metrics): Promise<RunningService[]> {
  const running: RunningService[] = [];
  try {
    for (const name of names) running.push(await SERVICES[name](serviceEnv(name, env), logger, metrics));
  } catch (error) {
    await stopServices(running);
    throw error;
  }
  return running;
}

export async function stopServices(running: RunningService[]): Promise<void> {
  for (const service of [...running].reverse()) await service.stop();
}

/** The variable holding a service role's database password (or `<it>_FILE`, a file holding it). */
function passwordVariable(service: ServiceRole): string {
  return `DANCU_${service.toUpperCase()}_DATABASE_PASSWORD`;
}

/** A role's password: DANCU_<SERVICE>_DATABASE_PASSWORD (or `_FILE`), else its file in DANCU_DATABASE_SECRETS_DIR. */
function rolePassword(env: NodeJS.ProcessEnv, service: ServiceRole): string | undefined {
  return readSecret(env, passwordVariable(service)) ?? secretInFolder(env, 'DANCU_DATABASE_SECRETS_DIR', roleName(service));
}

/** The services' role passwords the environment sets, for `migrate` to give them. */
export function rolePasswords(env: NodeJS.ProcessEnv): RolePasswords {
  const passwords: RolePasswords = {};
  for (const service of SERVICE_ROLES) {
    const password = rolePassword(env, service);
    if (password !== undefined) passwords[service] = password;
  }
  return passwords;
}

/**
 * A service's environment in a process that runs several: with per-service roles (the default)
 * its DATABASE_URL is the register's as the service's own role, and on a secure broker it logs
 * in to Kafka as its own principal, so the steward service started by `dancu run` can no more
 * write a citizen or a population update than one deployed alone.
 */
export function serviceEnv(name: ServiceName, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return withKafkaIdentity(name, withDatabaseRole(name, env));
}

function withDatabaseRole(name: ServiceName, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!isServiceRole(name) || commonConfigShape.DANCU_DATABASE_ROLES.parse(env.DANCU_DATABASE_ROLES) === 'shared') return env;
  const databaseUrl = commonConfigShape.DATABASE_URL.parse(env.DATABASE_URL);
  return { ...env, DATABASE_URL: serviceDatabaseUrl(databaseUrl, name, rolePassword(env, name)) };
}

/**
 * With DANCU_KAFKA_SECURITY=sasl_ssl, the service's own login: DANCU_<SERVICE>_KAFKA_USERNAME
 * (default dancu-<service>) with DANCU_<SERVICE>_KAFKA_PASSWORD (or `_FILE`), else the file named
 * after the principal in DANCU_KAFKA_SECRETS_DIR (what `stack up --secure` writes, or a mounted
 * secret). With neither, the process's own login stays: one service deployed alone is given it
 * as DANCU_KAFKA_USERNAME and DANCU_KAFKA_PASSWORD.
 */
function withKafkaIdentity(name: ServiceName, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (commonConfigShape.DANCU_KAFKA_SECURITY.parse(env.DANCU_KAFKA_SECURITY) !== 'sasl_ssl') return env;
  const prefix = `DANCU_${name.toUpperCase()}_KAFKA`;
  const username = env[`${prefix}_USERNAME`] || servicePrincipal(name);
  const password = readSecret(env, `${prefix}_PASSWORD`) ?? principalPassword(env.DANCU_KAFKA_SECRETS_DIR, username);
  if (password === undefined) return env;
  return { ...env, DANCU_KAFKA_USERNAME: username, DANCU_KAFKA_PASSWORD: password, DANCU_KAFKA_PASSWORD_FILE: undefined };
}
