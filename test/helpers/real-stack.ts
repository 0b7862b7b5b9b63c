import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { loadConfig } from '../../services/cli/config.js';
import { dropDatabase, otherDatabaseUrl } from '../../services/cli/stack/postgres-node.js';
import { createLogger } from '../../services/shared/observability/logger.js';

export const config = loadConfig(process.env);

/** A name no other test (or earlier run) uses: topics, groups and databases get one each. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A database of its own for `name`, on the server of `serverUrl` (the configured register's by default). */
export function testDatabaseUrl(name: string, serverUrl = config.DATABASE_URL): string {
  return otherDatabaseUrl(serverUrl, name.replace(/-/g, '_'));
}

export { dropDatabase };

/** Service logs of a test go nowhere unless DANCU_TEST_LOG_LEVEL asks for them. */
export const testLogger = createLogger({ level: process.env.DANCU_TEST_LOG_LEVEL ?? 'silent', name: 'test' }, pino.destination(2));
