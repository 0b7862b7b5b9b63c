import { spawn } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A background process the stack started, remembered by a pid file so `down` stops only its own. */
export interface ManagedProcess {
  name: string;
  pidFile: string;
  logFile: string;
}

export function readPid(process_: ManagedProcess): number | null {
  if (!existsSync(process_.pidFile)) return null;
  const pid = Number(readFileSync(process_.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function runningPid(process_: ManagedProcess): number | null {
  const pid = readPid(process_);
  return pid !== null && isAlive(pid) ? pid : null;
}

/** Starts a detached process (it outlives the CLI) with output appended to its log file. */
export function startDetached(process_: ManagedProcess, command: string, args: string[], cwd: string): number {
  const log = openSync(process_.logFile, 'a');
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', log, log] });
  if (child.pid === undefined) throw new Error(`could not start ${process_.name} (${command})`);
  child.unref();
  writeFileSync(process_.pidFile, String(child.pid));
  return child.pid;
}

/** SIGTERM, then SIGKILL if it has not exited within the grace period. */
export async function stopProcess(process_: ManagedProcess, graceMs = 30_000): Promise<boolean> {
  const pid = runningPid(process_);
  rmSync(process_.pidFile, { force: true });
  if (pid === null) return false;
  process.kill(-pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(200);
  if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(100);
  return true;
}

export async function portOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const finish = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Polls `check` until it is true; fails with what was awaited and where its log is. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s${logFile ? `; see ${logFile}` : ''}`);
}

/** How `dancu stack status` describes a part: whether it answers, and whether this stack started it. */
export function describeState(process_: ManagedProcess, answers: boolean): string {
  const pid = runningPid(process_);
  if (!answers) return pid === null ? 'stopped' : `starting or stuck (pid ${pid})`;
  return pid === null ? 'running (not started by dancu)' : `running (pid ${pid})`;
}
