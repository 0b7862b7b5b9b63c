import { z } from 'zod';
import { ConfigError } from '../shared/errors.js';
import { commonConfigShape, groupConfigShape, httpPortShape, parseConfig } from '../shared/config/common.js';

export const monitorConfigSchema = z.object({
  ...commonConfigShape,
  ...groupConfigShape,
  DANCU_MONITOR_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9400),
  DANCU_MONITOR_INTERVAL_MS: z.coerce.number().int().min(500).default(5_000),
  /** How often the register's four qualities are measured (clean and live every time; correct and complete by a pass over every citizen, see below). */
  DANCU_MONITOR_QUALITY_INTERVAL_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** The most of the monitor's time the pass over every citizen may take: after a pass of N s it rests N × (1 / share − 1) s if that is longer than the interval. */
  DANCU_MONITOR_REGISTER_PASS_MAX_SHARE: z.coerce.number().gt(0).max(1).default(0.05),
  DANCU_MONITOR_HISTORY_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
  /** The services whose /readyz the monitor shows, as name=url pairs; empty: the defaults of DANCU_<SERVICE>_HTTP_PORT on this host. */
  DANCU_MONITOR_SERVICES: z.string().default(''),
  ...httpPortShape,
});

export type MonitorConfig = z.infer<typeof monitorConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): MonitorConfig {
  return parseConfig(monitorConfigSchema, env);
}

/** The services to watch, by name, with the base URL of their HTTP endpoints. */
export function watchedServices(config: MonitorConfig): Record<string, string> {
  if (config.DANCU_MONITOR_SERVICES.trim() === '') {
    return {
      ingest: `http://127.0.0.1:${config.DANCU_INGEST_HTTP_PORT}`,
      linker: `http://127.0.0.1:${config.DANCU_LINKER_HTTP_PORT}`,
      store: `http://127.0.0.1:${config.DANCU_STORE_HTTP_PORT}`,
    };
  }
  return Object.fromEntries(
    config.DANCU_MONITOR_SERVICES.split(',').map((pair) => {
      const [name, url] = pair.split('=').map((part) => part.trim());
      if (!name || !url) throw new ConfigError(`DANCU_MONITOR_SERVICES: '${pair}' is not name=url`);
      return [name, url.replace(/\/+$/, '')];
    }),
  );
}
