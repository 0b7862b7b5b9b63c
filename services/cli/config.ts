import { z } from 'zod';
import { commonConfigShape, groupConfigShape, parseConfig } from '../shared/config/common.js';

export const cliConfigSchema = z.object({
  ...commonConfigShape,
  ...groupConfigShape,
  DANCU_STACK_KAFKA_HEAP_MB: z.coerce.number().int().min(256).default(1024),
  DANCU_STACK_REGISTRY_HEAP_MB: z.coerce.number().int().min(128).default(512),
  DANCU_STACK_CONNECT_HEAP_MB: z.coerce.number().int().min(256).default(512),
  /** Kafka Connect's REST API (`stack up --connect`, `dancu connect`). */
  DANCU_CONNECT_URL: z.string().url().default('http://127.0.0.1:8083'),
  /** The sector database `stack up --connect` runs (logical decoding on), for trying a connector locally. */
  DANCU_SECTOR_DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:55433/sector_vaccination'),
  DANCU_DRAIN_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000),
});

export type CliConfig = z.infer<typeof cliConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): CliConfig {
  return parseConfig(cliConfigSchema, env);
}
