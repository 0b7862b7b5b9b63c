import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

/**
 * Turns the V8 CPU profiles that `BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR"` leaves (one
 * per service process) into top-down tables: where each service's busy time goes, by package or
 * dancu folder, and its hottest functions, per event when the event count is given. V8 samples
 * the main thread on a wall clock: a thread that is runnable but waits for a core is still
 * charged, so on contended cores the sampled time exceeds the CPU time (the cost budget of
 * bench:pipeline has the CPU time, from /proc); the shares are what a profile is for.
 *
 * A profile covers a service's whole life: its start (modules loaded; the linker's register read,
 * 15–35 s at 1 M citizens) as well as the events. bench:pipeline leaves its run's window in DIR
 * (RUN_WINDOW_FILE: from the first event published to the last applied, on the monotonic clock V8
 * stamps samples with, and each profiled process's service), and only the samples inside it are
 * counted, per event and per service; without the file, every sample is.
 *
 *   node dist/services/bench/cpu-profile-summary.js DIR [EVENTS]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  /** When the first sample's delta counts from, in µs of the monotonic clock (process.hrtime's). */
  startTime?: number;
  samples: number[];
  timeDeltas: number[];
}

/** The file bench:pipeline writes beside the profiles: its run's window and who each process was. */
export const RUN_WINDOW_FILE = 'run-window.json';

/** A run's window in µs of the monotonic clock, both ends included, and the service of each profiled process id. */
export interface RunWindow {
  fromUs: number;
  toUs: number;
  services: Record<string, string>;
}

/** What a frame's time is charged to: V8's own states, a package, a dancu folder, or Node's internals. */
export function categoryOf(frame: ProfileNode['callFrame']): string {
  const { functionName, url } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  const own = /\/services\/(?:shared\/)?([^/]+)\//.exec(url);
  if (own) return `dancu:${own[1]!}`;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  return '(other)';
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  byCategory: [string, number][];
  byFunction: [string, number][];
}

const IDLE = new Set(['(idle)', '(program)']);

/** Every sample's time (or, given a window, those V8 stamped inside it; a profile without a start time has none inside). */
export function summarise(profile: CpuProfile, window?: Pick<RunWindow, 'fromUs' | 'toUs'>): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  let at = profile.startTime ?? Number.NaN;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && !(at >= window.fromUs && at <= window.toUs)) return;
    selfMs.set(id, (selfMs.get(id) ?? 0) + delta / 1000);
  });
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  let busyMs = 0;
  for (const [id, ms] of selfMs) {
    const frame = nodes.get(id)!.callFrame;
    totalMs += ms;
    if (IDLE.has(frame.functionName)) continue;
    busyMs += ms;
    const category = categoryOf(frame);
    byCategory.set(category, (byCategory.get(category) ?? 0) + ms);
    const name = `${frame.functionName || '(anonymous)'} ${frame.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : ''}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { totalMs, busyMs, byCategory: sorted(byCategory), byFunction: sorted(byFunction) };
}

function table(summary: ProfileSummary, events: number | null, rows = 12): string {
  const line = ([name, ms]: [string, number]) =>
    `| ${name} | ${ms.toFixed(0)} | ${((100 * ms) / summary.busyMs).toFixed(1)}% |${events ? ` ${((1000 * ms) / events).toFixed(0)} |` : ''}`;
  const head = `| | sampled ms | share |${events ? ' sampled µs/event |' : ''}\n|---|---:|---:|${events ? '---:|' : ''}`;
  return [
    `busy in ${summary.busyMs.toFixed(0)} ms of ${summary.totalMs.toFixed(0)} ms sampled${events ? ` (${((1000 * summary.busyMs) / events).toFixed(0)} µs per event)` : ''}`,
    '',
    head,
    ...summary.byCategory.slice(0, rows).map(line),
    '',
    head.replace('| |', '| function |'),
    ...summary.byFunction.slice(0, rows).map(line),
  ].join('\n');
}

function main(): void {
  const [dir, eventsArg] = process.argv.slice(2);
  const usage = 'usage: cpu-profile-summary DIR [EVENTS] (DIR: where --cpu-prof-dir wrote the .cpuprofile files)';
  if (!dir || !existsSync(dir) || !statSync(dir).isDirectory()) {
    console.error(dir ? `${dir} is not a folder; ${usage}` : usage);
    process.exit(2);
  }
  const events = eventsArg ? Number(eventsArg) : null;
  const files = readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  if (files.length === 0) {
    console.error(`no .cpuprofile file in ${dir}; ${usage}`);
    process.exit(2);
  }
  const windowFile = join(dir, RUN_WINDOW_FILE);
  const window = existsSync(windowFile) ? (JSON.parse(readFileSync(windowFile, 'utf8')) as RunWindow) : undefined;
  console.log(
    window
      ? `the run's window only: ${((window.toUs - window.fromUs) / 1e6).toFixed(1)} s, from the first event published to the last applied (${RUN_WINDOW_FILE})`
      : `every sample, the services' start included (no ${RUN_WINDOW_FILE} in ${dir})`,
  );
  for (const file of files) {
    // Node names a profile CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile.
    const pid = file.split('.')[3] ?? '';
    const service = window?.services[pid];
    // A profile the window does not name is an earlier run's, left in DIR: its samples are outside this window, and its pid may be another's now.
    if (window && service === undefined) {
      console.log(`\n### ${file}: not a process of the run ${RUN_WINDOW_FILE} describes, left out`);
      continue;
    }
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    if (window && profile.startTime === undefined) {
      console.log(`\n### ${service} (${file}): no start time, so no sample can be placed in the window; left out`);
      continue;
    }
    console.log(`\n### ${service ? `${service} (${file})` : file}\n`);
    console.log(table(summarise(profile, window), events));
  }
}

if (process.argv[1]?.endsWith('cpu-profile-summary.js')) main();
