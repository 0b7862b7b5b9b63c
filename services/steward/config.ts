import { z } from 'zod';
import { commonConfigShape, parseConfig } from '../shared/config/common.js';
import { readSecret } from '../shared/config/secrets.js';

export const stewardConfigSchema = z.object({
  ...commonConfigShape,
  /** Port of the review UI, its API and /healthz (0: a free port). */
  DANCU_STEWARD_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9410),
  /** Port of /metrics, /readyz and /healthz, for the monitoring network only (0: a free port). */
  DANCU_STEWARD_MANAGEMENT_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9411),
  DANCU_STEWARD_DB_POOL_SIZE: z.coerce.number().int().min(2).max(50).default(4),
  DANCU_STEWARD_SESSION_HOURS: z.coerce.number().min(0.1).max(24).default(8),
  /** A claim older than this lapses: another steward may take the case. */
  DANCU_STEWARD_CLAIM_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  /** Failed or not, login attempts allowed per client address and minute. */
  DANCU_STEWARD_LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(5),
  /** Signs the CSRF secret cookie; empty: a random one per start (sign-ins survive, open pages fetch a new token). */
  DANCU_STEWARD_COOKIE_SECRET: z.string().default(''),
  /** A file holding the cookie secret (a Docker secret), read when DANCU_STEWARD_COOKIE_SECRET is empty. */
  DANCU_STEWARD_COOKIE_SECRET_FILE: z.string().optional(),
  /** Send cookies only over HTTPS; set to true behind TLS. */
  DANCU_STEWARD_SECURE_COOKIES: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  /**
   * Keys the digest of each search in the audit log (HMAC-SHA256): whoever holds the key can tell
   * whether a given person was searched for; the log's readers learn no name or ID from it. Empty:
   * a search is audited by the citizens it found, without a digest of what was typed.
   */
  DANCU_STEWARD_AUDIT_KEY: z.string().default(''),
  /** A file holding the audit key (a Docker secret), read when DANCU_STEWARD_AUDIT_KEY is empty. */
  DANCU_STEWARD_AUDIT_KEY_FILE: z.string().optional(),
  DANCU_OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  DANCU_OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(500),
});

export type StewardConfig = z.infer<typeof stewardConfigSchema>;

export function loadConfig(env: NodeJS.ProcessEnv): StewardConfig {
  const config = parseConfig(stewardConfigSchema, env);
  return {
    ...config,
    DANCU_STEWARD_COOKIE_SECRET: readSecret(env, 'DANCU_STEWARD_COOKIE_SECRET') ?? '',
    DANCU_STEWARD_AUDIT_KEY: readSecret(env, 'DANCU_STEWARD_AUDIT_KEY') ?? '',
  };
}
