import { Worker } from 'node:worker_threads';
import type { Logger } from '../observability/logger.js';

/**
 * How long a stop may take before the process exits anyway. A stop commits what is done and
 * leaves the consumer group; anything unfinished is redelivered, so cutting it short loses nothing.
 */
const STOP_DEADLINE_MS = 30_000;

/** How long past the deadline the watchdog waits for the deadline's own exit. */
const WATCHDOG_MARGIN_MS = 5_000;

// A thread of its own, so it runs whatever the main thread does: it sleeps without a timer,
// writes one line where the logs go, and kills the process.
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.afterMs);
require('node:fs').writeSync(2, JSON.stringify({ level: 60, time: Date.now(), afterMs: workerData.afterMs, msg: 'shutdown stuck past its deadline, killing the process' }) + '\\n');
process.kill(process.pid, 'SIGKILL');
`;

/**
 * The last resort once a stop overruns its deadline. The deadline is a timer, and a main thread
 * that never yields to its timers never runs it: a kafkajs 2.2.4 consumer stopped while it was
 * changing the brokers it fetches from leaves fetchers spinning on resolved promises for ever
 * (found by broker-loss.test.ts). Unreferenced, so a stop that finishes is not held up by it.
 */
function startWatchdog(afterMs: number): void {
  new Worker(WATCHDOG_SOURCE, { eval: true, execArgv: [], workerData: { afterMs } }).unref();
}

export interface ShutdownTiming {
  deadlineMs: number;
  watchdogMarginMs: number;
}

/**
 * Stops the services once on SIGINT/SIGTERM, then exits. It does not wait for the event loop to
 * empty by itself: after a PostgreSQL restart a linker process stopped cleanly and then never
 * exited (a fault test waited on it), and a service that ignores SIGTERM cannot be redeployed.
 */
export function installShutdown(
  logger: Logger,
  stop: () => Promise<void>,
  { deadlineMs, watchdogMarginMs }: ShutdownTiming = { deadlineMs: STOP_DEADLINE_MS, watchdogMarginMs: WATCHDOG_MARGIN_MS },
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error({ deadlineMs }, 'shutdown did not finish in time, exiting');
      process.exit(1);
    }, deadlineMs).unref();
    startWatchdog(deadlineMs + watchdogMarginMs);
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
