import { z } from 'zod';
import { commonConfigShape, groupConfigShape, httpPortShape, parseConfig } from '../shared/config/common.js';

export const ingestConfigSchema = z.object({
  ...commonConfigShape,
  DANCU_INGEST_GROUP_ID: groupConfigShape.DANCU_INGEST_GROUP_ID,
  DANCU_INGEST_HTTP_PORT: httpPortShape.DANCU_INGEST_HTTP_PORT,
  DANCU_INGEST_CHUNK_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  DANCU_INGEST_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(3),
  DANCU_INGEST_MAX_EVENT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
});

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): IngestConfig {
  return parseConfig(ingestConfigSchema, env);
}
