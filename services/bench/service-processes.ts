import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../shared/paths.js';

/** Where the services a benchmark starts write their logs (their stdout). */
export const BENCH_LOG_DIR = join(REPO_ROOT, '.dancu', 'bench', 'logs');

/** BENCH_NODE_ARGS, word by word. */
function benchNodeArgs(): string[] {
  return (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

/** The folder BENCH_NODE_ARGS tells the services to write CPU profiles to (`--cpu-prof-dir=DIR` or `--cpu-prof-dir DIR`), if any. */
export function cpuProfileDir(): string | null {
  const args = benchNodeArgs();
  const at = args.findIndex((arg) => arg === '--cpu-prof-dir' || arg.startsWith('--cpu-prof-dir='));
  if (at < 0) return null;
  const dir = args[at]!.includes('=') ? args[at]!.slice(args[at]!.indexOf('=') + 1) : args[at + 1];
  return dir ? resolve(dir) : null;
}

/** How long a stopped service may take to finish its chunk before it is killed. */
const STOP_WAIT_MS = 60_000;

interface Started {
  service: string;
  child: ChildProcess;
  log: string;
}

/**
 * The pipeline services a benchmark runs, each as its own process (`dancu run <service>`), as in
 * production. Each writes its log to BENCH_LOG_DIR. A service that exits before the benchmark
 * stops it ends the benchmark at once, in one line naming its log, and the other services are
 * stopped: a benchmark waiting for work nobody does would otherwise wait until its time-out.
 * BENCH_NODE_ARGS adds node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where a
 * service's time goes.
 */
export class ServiceProcesses {
  private readonly started: Started[] = [];
  private stopping = false;

  constructor(private readonly env: NodeJS.ProcessEnv) {
    mkdirSync(BENCH_LOG_DIR, { recursive: true });
  }

  start(service: string): void {
    const nodeArgs = benchNodeArgs();
    const log = join(BENCH_LOG_DIR, `${service}-${this.started.length + 1}.log`);
    const out = openSync(log, 'w');
    const child = spawn('node', [...nodeArgs, join(REPO_ROOT, 'bin', 'dancu.js'), 'run', service], { env: this.env, stdio: ['ignore', out, 'inherit'] });
    closeSync(out);
    child.on('exit', (code, signal) => {
      if (!this.stopping) this.abort(service, code ?? signal, log);
    });
    this.started.push({ service, child, log });
  }

  /** Each service started, in order, with its process id (undefined if it could not be started). */
  pids(): { service: string; pid: number | undefined }[] {
    return this.started.map(({ service, child }) => ({ service, pid: child.pid }));
  }

  /** Each service started, in order, with its peak resident memory so far (Linux's VmHWM) in MB, or null where /proc cannot tell. */
  peakRssMb(): { service: string; mb: number | null }[] {
    return this.started.map(({ service, child }) => ({ service, mb: peakRssMb(child) }));
  }

  /**
   * The fields of each log line of a started service whose message is `msg`, in order (a service's
   * log is pino's JSON, a line an entry): what a service said of itself, e.g. a warning.
   */
  logged(service: string, msg: string): Record<string, unknown>[] {
    return this.started
      .filter((s) => s.service === service)
      .flatMap(({ log }) => readFileSync(log, 'utf8').split('\n'))
      .flatMap((line) => {
        if (!line.includes(msg)) return [];
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          return entry.msg === msg ? [entry] : [];
        } catch {
          return [];
        }
      });
  }

  /** Stops the processes (SIGTERM: they finish their chunk and leave their group; SIGKILL after STOP_WAIT_MS) and waits for them to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    const children = this.started.map((s) => s.child);
    for (const child of children) child.kill('SIGTERM');
    const stuck = setTimeout(() => children.forEach((child) => child.kill('SIGKILL')), STOP_WAIT_MS);
    await Promise.all(
      children.map((child) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.once('exit', resolve)))),
    );
    clearTimeout(stuck);
  }

  private abort(service: string, status: number | string | null, log: string): void {
    console.error(`${service} exited with ${String(status)} before the benchmark ended: its log is ${log} (a configuration error is printed above)`);
    void this.stop().finally(() => process.exit(1));
  }
}

function peakRssMb(child: ChildProcess): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}
