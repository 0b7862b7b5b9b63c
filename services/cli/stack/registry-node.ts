import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mavenFetch } from './maven-fetch.js';
import { describeState, portOpen, runningPid, startDetached, stopProcess, waitFor, type ManagedProcess } from './processes.js';
import type { StackLayout } from './stack-layout.js';

export interface RegistryNodeOptions {
  host: string;
  port: number;
  heapMb: number;
}

export function registryProcess(layout: StackLayout): ManagedProcess {
  return { name: 'apicurio', pidFile: join(layout.root, 'apicurio.pid'), logFile: join(layout.logs, 'apicurio.log') };
}

async function registryReady(options: RegistryNodeOptions): Promise<boolean> {
  try {
    const response = await fetch(`http://${options.host}:${options.port}/health/ready`, { signal: AbortSignal.timeout(2_000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** 2.6.x ships a `-runner.jar`; 3.2+ the Quarkus fast-jar `quarkus-run.jar`. */
function launcherJar(dir: string): string {
  const files = readdirSync(dir);
  const jar = files.find((file) => file.endsWith('-runner.jar')) ?? files.find((file) => file === 'quarkus-run.jar');
  if (!jar) throw new Error(`no Apicurio launcher jar in ${dir}`);
  return jar;
}

export async function registryUp(layout: StackLayout, options: RegistryNodeOptions): Promise<'started' | 'running' | 'external'> {
  const managed = registryProcess(layout);
  if (await registryReady(options)) return runningPid(managed) !== null ? 'running' : 'external';
  if (await portOpen(options.host, options.port)) {
    throw new Error(`port ${options.port} is taken by something that is not Apicurio Registry`);
  }
  await mavenFetch('unpack', layout.apicurio, join(layout.logs, 'maven.log'));
  startDetached(
    managed,
    'java',
    [`-Xmx${options.heapMb}m`, `-Dquarkus.http.port=${options.port}`, `-Dquarkus.http.host=${options.host}`, '-jar', launcherJar(layout.apicurio)],
    layout.apicurio,
  );
  await waitFor('Apicurio Registry', () => registryReady(options), 120_000, managed.logFile);
  return 'started';
}

export async function registryDown(layout: StackLayout): Promise<boolean> {
  return stopProcess(registryProcess(layout));
}

export async function registryStatus(layout: StackLayout, options: RegistryNodeOptions): Promise<string> {
  return describeState(registryProcess(layout), await registryReady(options));
}
