import { z } from 'zod';
import { commonConfigShape, groupConfigShape, parseConfig } from '../shared/config/common.js';

export const cliConfigSchema = z.object({
  ...commonConfigShape,
  ...groupConfigShape,
  DANCU_STACK_KAFKA_HEAP_MB: z.coerce.number().int().min(256).default(1024),
  DANCU_STACK_REGISTRY_HEAP_MB: z.coerce.number().int().min(128).default(512),
  DANCU_DRAIN_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000),
});

export type CliConfig = z.infer<typeof cliConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): CliConfig {
  return parseConfig(cliConfigSchema, env);
}
