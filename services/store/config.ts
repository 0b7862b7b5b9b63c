import { z } from 'zod';
import { commonConfigShape, parseConfig } from '../shared/config/common.js';

export const storeConfigSchema = z.object({
  ...commonConfigShape,
  DANCU_STORE_GROUP_ID: z.string().default('dancu-store'),
  DANCU_STORE_CHUNK_SIZE: z.coerce.number().int().min(1).max(10_000).default(200),
  DANCU_STORE_DB_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(4),
  DANCU_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  DANCU_OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(500),
});

export type StoreConfig = z.infer<typeof storeConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): StoreConfig {
  return parseConfig(storeConfigSchema, env);
}
