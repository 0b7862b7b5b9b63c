import type { Logger } from '../observability/logger.js';

/**
 * How long a stop may take before the process exits anyway. A stop commits what is done and
 * leaves the consumer group; anything unfinished is redelivered, so cutting it short loses nothing.
 */
const STOP_DEADLINE_MS = 30_000;

/**
 * Stops the services once on SIGINT/SIGTERM, then exits. It does not wait for the event loop to
 * empty by itself: after a PostgreSQL restart a linker process stopped cleanly and then never
 * exited (a fault test waited on it), and a service that ignores SIGTERM cannot be redeployed.
 */
export function installShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'shutdown did not finish in time, exiting');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    stop().then(
      () => process.exit(process.exitCode ?? 0),
      (error: unknown) => {
        logger.error({ err: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
