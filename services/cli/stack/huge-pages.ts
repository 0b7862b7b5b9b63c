import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Whether the stack's own PostgreSQL keeps its shared buffers in huge pages, and how to let it.
 *
 * Measured (docs/BENCHMARKS.md, "Huge pages"): with 4 kB pages every backend maps each shared
 * buffer it touches itself, and page-table work was a visible part of PostgreSQL's kernel time at
 * 10 M citizens; with the 2 GB of shared buffers in 2 MB pages the lookup's PostgreSQL time fell
 * by 61-74% and the streaming linker ran 1.5-2x as fast at 10 M, 1.2-1.4x at 1 M. `huge_pages =
 * try` (stack/postgresql.conf) uses them only if the OS reserved enough before the server started,
 * which only root can do (`vm.nr_hugepages`): the stack says so rather than changing the machine.
 */

/** The machine's huge pages, from /proc/meminfo (Linux). */
export interface MachineHugePages {
  total: number;
  free: number;
  sizeKb: number;
}

function meminfoField(text: string, name: string): number | null {
  const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

export function parseMeminfo(text: string): MachineHugePages | null {
  const [total, free, sizeKb] = [meminfoField(text, 'HugePages_Total'), meminfoField(text, 'HugePages_Free'), meminfoField(text, 'Hugepagesize')];
  return total === null || free === null || sizeKb === null ? null : { total, free, sizeKb };
}

/** null where there is no /proc/meminfo with huge pages in it (not Linux, or a kernel without them). */
export function machineHugePages(): MachineHugePages | null {
  try {
    return parseMeminfo(readFileSync('/proc/meminfo', 'utf8'));
  } catch {
    return null;
  }
}

/** The huge pages a process maps (`HugetlbPages` of /proc/PID/status), in kB; null if it cannot be read. */
export function parseHugetlbKb(status: string): number | null {
  return meminfoField(status, 'HugetlbPages');
}

/** The huge pages the cluster's postmaster maps, from its data directory's postmaster.pid; null when it is not running here. */
export function postmasterHugetlbKb(dataDirectory: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDirectory, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return parseHugetlbKb(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * One line on the cluster's huge pages: in use, or what to do. `needed` is the server's own
 * figure (`shared_memory_size_in_huge_pages`, PostgreSQL 15 and later); `mappedKb` what its
 * postmaster maps in huge pages (PostgreSQL 15 cannot say whether it got them).
 */
export function hugePagesLine(needed: number, mappedKb: number, machine: MachineHugePages): string {
  const size = `${machine.sizeKb / 1024} MB`;
  // The postmaster maps its pages as it touches them; any at all means the whole need was reserved at start.
  if (mappedKb > 0) return `${needed} × ${size} for the shared buffers`;
  if (machine.free < needed) {
    return `not used: ${machine.free} × ${size} free of the ${needed} the shared buffers need; as root, \`sysctl -w vm.nr_hugepages=N\` with N ${needed} more than other programs hold, then \`dancu stack down\` and \`up\` (the candidate lookups took a third of the time at 10 M citizens; docs/BENCHMARKS.md)`;
  }
  return `not used, though ${machine.free} × ${size} are free: the server started before they were; \`dancu stack down\` and \`up\``;
}

/**
 * The server's need, or null where it cannot say: before PostgreSQL 15, or when asking fails. The
 * line is advice, so a server that is busy or restarting leaves it out rather than failing `up`.
 */
export async function hugePagesNeeded(databaseUrl: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ setting: string }>("select setting from pg_settings where name = 'shared_memory_size_in_huge_pages'");
    const needed = Number(rows[0]?.setting ?? Number.NaN);
    return Number.isInteger(needed) && needed > 0 ? needed : null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}
