import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared/paths.js';

/**
 * A pipeline service as its own process (`dancu run <service>`), as in production. BENCH_NODE_ARGS
 * adds node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to see where a service's time goes.
 */
export function startServiceProcess(service: string, env: NodeJS.ProcessEnv): ChildProcess {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn('node', [...nodeArgs, join(REPO_ROOT, 'bin', 'dancu.js'), 'run', service], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`${service} exited with ${code ?? signal}`);
  });
  return child;
}

/** Stops the processes (SIGTERM: they finish their chunk and leave their group) and waits for them to exit. */
export async function stopServiceProcesses(children: ChildProcess[]): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
}

/** A running child's peak resident memory so far in MB (Linux's VmHWM), or null where /proc cannot tell. */
export function peakRssMb(child: ChildProcess): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}
