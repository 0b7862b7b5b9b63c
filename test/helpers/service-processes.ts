import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { waitUntil } from './wait.js';

export type PipelineService = 'ingest' | 'linker' | 'store';

/**
 * How long a stopped instance may take to exit: past the 30 s a service gives its own stop
 * (shutdown.ts). That deadline is a timer, and a service whose kafkajs consumer spins in its
 * stop (a fetcher rebalance the disconnect overtook: broker-loss.test.ts) never runs it.
 */
const STOP_GRACE_MS = 40_000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

/**
 * The pipeline's services as separate processes (`dancu run <service>`), as an operator runs
 * them, so a test can kill one with SIGKILL mid-batch and start it again. Each instance gets its
 * own HTTP port for /readyz.
 */
export class ServiceProcesses {
  private readonly running = new Map<string, { child: ChildProcess; port: number }>();

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Starts an instance (`store#2` is a second store) and waits until it is ready. */
  async start(instance: string): Promise<void> {
    const service = instance.split('#')[0] as PipelineService;
    const port = await freePort();
    const child = spawn('node', [join(REPO_ROOT, 'bin', 'dancu.js'), 'run', service], {
      env: { ...this.env, [`DANCU_${service.toUpperCase()}_HTTP_PORT`]: String(port), DANCU_LOG_LEVEL: process.env.DANCU_TEST_LOG_LEVEL ?? 'silent' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.running.set(instance, { child, port });
    await waitUntil(() => ready(port), Boolean, 90_000, `${instance} ready`);
  }

  /** SIGKILL: no shutdown hook runs, whatever was in flight is lost with the process. */
  async kill(instance: string): Promise<void> {
    const entry = this.running.get(instance);
    if (!entry) throw new Error(`${instance} is not running`);
    this.running.delete(instance);
    await new Promise<void>((resolve) => {
      entry.child.once('exit', () => resolve());
      entry.child.kill('SIGKILL');
    });
  }

  /** Every instance ready again (after a dependency came back). */
  async waitAllReady(timeoutMs: number): Promise<void> {
    for (const [instance, { port }] of this.running) await waitUntil(() => ready(port), Boolean, timeoutMs, `${instance} ready`);
  }

  /** SIGTERM, then SIGKILL for an instance still running once its own stop deadline has passed. */
  async stopAll(): Promise<void> {
    const entries = [...this.running.values()];
    this.running.clear();
    await Promise.all(
      entries.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
