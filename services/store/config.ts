import { z } from 'zod';
import { commonConfigShape, groupConfigShape, httpPortShape, parseConfig } from '../shared/config/common.js';

export const storeConfigSchema = z.object({
  ...commonConfigShape,
  DANCU_STORE_GROUP_ID: groupConfigShape.DANCU_STORE_GROUP_ID,
  DANCU_STORE_HTTP_PORT: httpPortShape.DANCU_STORE_HTTP_PORT,
  /** Decisions per transaction, fewer when their locks would not fit in the server's lock table (lock-table.ts). */
  DANCU_STORE_CHUNK_SIZE: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Partitions applied at once, each in its own transaction (decisions about one citizen share a partition: they are keyed by it). */
  DANCU_STORE_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(3),
  DANCU_STORE_DB_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(4),
  /**
   * Records the changes of the register one store transaction makes (a chunk of decisions, a
   * steward's decision: citizens registered, corrected, merged, unmerged, a record unlinked) send
   * back to the linker at most, together; the rest is counted (register_reexaminations.over_bound).
   * 0 re-examines nothing and counts everything in reach. Unset: a quarter of the chunk size the
   * store works with (reexaminationBoundFor).
   */
  DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_TRANSACTION: z.coerce.number().int().min(0).max(10_000).optional(),
  /** The bound was per change before: a setting that still names it would be ignored without a word, so it is refused. */
  DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_CHANGE: z
    .undefined({ message: 'renamed DANCU_STORE_REEXAMINE_MAX_RECORDS_PER_TRANSACTION: the bound is per store transaction now' })
    .optional(),
  DANCU_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  DANCU_OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(500),
  /** Published outbox rows are deleted once published this long ago (outbox-retention.ts); 0 deletes them at the next pruning. */
  DANCU_OUTBOX_KEEP_PUBLISHED_HOURS: z.coerce.number().min(0).max(8_760).default(24),
});

export type StoreConfig = z.infer<typeof storeConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): StoreConfig {
  return parseConfig(storeConfigSchema, env);
}
