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
    for (const name of names) running.push(await SERVICES[name](env, logger, metrics));
  } catch (error) {
    await stopServices(running);
    throw error;
  }
  return running;
}

export async function stopServices(running: RunningService[]): Promise<void> {
  for (const service of [...running].reverse()) await service.stop();
}
