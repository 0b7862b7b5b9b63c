import { z } from 'zod';
import { commonConfigShape, groupConfigShape, httpPortShape, parseConfig } from '../shared/config/common.js';

export const linkerConfigSchema = z.object({
  ...commonConfigShape,
  DANCU_LINKER_GROUP_ID: groupConfigShape.DANCU_LINKER_GROUP_ID,
  DANCU_LINKER_HTTP_PORT: httpPortShape.DANCU_LINKER_HTTP_PORT,
  DANCU_LINKER_CHUNK_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  DANCU_LINKER_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(3),
  DANCU_LINKER_DB_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(4),
  DANCU_LINKER_TF_REFRESH_MS: z.coerce.number().int().min(1_000).default(600_000),
  // Where candidates come from: the register's key index in PostgreSQL, a copy of the register the linker keeps in memory (live-register.ts), or chosen at start by the register (candidates-choice.ts).
  DANCU_LINKER_CANDIDATES: z.enum(['auto', 'postgres', 'memory']).default('auto'),
  DANCU_LINKER_MEMORY_MAX_CITIZENS: z.coerce.number().int().min(0).default(2_000_000),
});

export type LinkerConfig = z.infer<typeof linkerConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): LinkerConfig {
  return parseConfig(linkerConfigSchema, env);
}
