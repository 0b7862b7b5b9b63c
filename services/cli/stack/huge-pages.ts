import { readFileSync } from 'node:fs';
import pg from 'pg';

/**
 * Whether the stack's PostgreSQL can keep its shared buffers in huge pages, and how to let it.
 *
 * Measured (docs/BENCHMARKS.md, "Huge pages"): with 4 kB pages, every backend maps each shared
 * buffer it touches page by page, and at 10 M citizens the kernel's share of PostgreSQL's CPU in
 * the candidate lookup was larger than PostgreSQL's own; with the 2 GB of shared buffers in 2 MB
 * pages the lookup's PostgreSQL time fell by 60-70% and the streaming linker ran 1.5-1.9x as
 * fast at 10 M, 1.2-1.4x at 1 M. `huge_pages = try`
 * (stack/postgresql.conf) uses them only if the OS reserved enough before the server started,
 * which only root can do (`vm.nr_hugepages`): the stack says so rather than changing the machine.
 */

/** The machine's huge pages, from /proc/meminfo (Linux); null elsewhere. */
export interface MachineHugePages {
  total: number;
  free: number;
  reserved: number;
  sizeKb: number;
}

export function parseMeminfo(text: string): MachineHugePages | null {
  const field = (name: string): number | null => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return match ? Number(match[1]) : null;
  };
  const [total, free, reserved, sizeKb] = [field('HugePages_Total'), field('HugePages_Free'), field('HugePages_Rsvd'), field('Hugepagesize')];
  if (total === null || free === null || reserved === null || sizeKb === null) return null;
  return { total, free, reserved, sizeKb };
}

export function machineHugePages(meminfoPath = '/proc/meminfo'): MachineHugePages | null {
  try {
    return parseMeminfo(readFileSync(meminfoPath, 'utf8'));
  } catch {
    return null;
  }
}

/** Huge pages taken: in use or promised to a mapping (PostgreSQL reserves its whole shared memory at start). */
function taken(machine: MachineHugePages): number {
  return machine.total - machine.free + machine.reserved;
}

/**
 * One line on the cluster's huge pages: in use, or what to do. `needed` is the server's own
 * figure (`shared_memory_size_in_huge_pages`, PostgreSQL 15 and later). PostgreSQL 15 cannot say
 * whether it got them, so "in use" is read from the machine: as many taken as it needs.
 */
export function hugePagesLine(needed: number, machine: MachineHugePages | null): string {
  if (machine === null) return 'not on this system (no /proc/meminfo)';
  const size = `${machine.sizeKb / 1024} MB`;
  if (machine.total < needed) {
    return `not used: the OS reserves ${machine.total} of the ${needed} × ${size} the shared buffers need; as root, \`sysctl -w vm.nr_hugepages=${needed}\`, then \`dancu stack down\` and \`up\` (PostgreSQL's candidate lookups take a third of the time; docs/BENCHMARKS.md)`;
  }
  if (taken(machine) < needed) return `reserved (${machine.total}) but not used: the server started before; \`dancu stack down\` and \`up\``;
  return `${needed} × ${size} for the shared buffers`;
}

/** The server's need, or null where it cannot say (before PostgreSQL 15, or not the machine's own server). */
export async function hugePagesNeeded(databaseUrl: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ setting: string }>("select setting from pg_settings where name = 'shared_memory_size_in_huge_pages'");
    const needed = Number(rows[0]?.setting ?? Number.NaN);
    return Number.isInteger(needed) && needed > 0 ? needed : null;
  } finally {
    await client.end();
  }
}
