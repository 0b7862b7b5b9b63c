import { describe, expect, it } from 'vitest';
import { hugePagesLine, parseHugetlbKb, parseMeminfo, type MachineHugePages } from '../../services/cli/stack/huge-pages.js';

const MEMINFO = `MemTotal:       24598416 kB
AnonHugePages:         0 kB
HugePages_Total:    1150
HugePages_Free:     1086
HugePages_Rsvd:     1024
HugePages_Surp:        0
Hugepagesize:       2048 kB
`;

function machine(total: number, free: number): MachineHugePages {
  return { total, free, sizeKb: 2048 };
}

describe("huge pages for the stack's PostgreSQL", () => {
  it("reads the machine's huge pages from /proc/meminfo", () => {
    expect(parseMeminfo(MEMINFO)).toEqual({ total: 1150, free: 1086, sizeKb: 2048 });
  });

  it('knows nothing of a meminfo without the huge pages fields', () => {
    expect(parseMeminfo('MemTotal:       24598416 kB\n')).toBeNull();
  });

  it('reads what a process maps in huge pages from its /proc status', () => {
    expect(parseHugetlbKb('Name:\tpostgres\nVmRSS:\t  40000 kB\nHugetlbPages:\t 2228224 kB\n')).toBe(2228224);
  });

  it('says the shared buffers are in huge pages as soon as the postmaster maps any', () => {
    expect(hugePagesLine(1088, 126976, machine(1150, 1086))).toBe('1088 × 2 MB for the shared buffers');
  });

  it("gives the sysctl line with the server's own need when too few are free", () => {
    expect(hugePagesLine(1088, 0, machine(0, 0))).toContain('sysctl -w vm.nr_hugepages=N` with N 1088 more than other programs hold');
  });

  it('asks for a restart when enough are free but the server started without them', () => {
    expect(hugePagesLine(1088, 0, machine(1150, 1150))).toMatch(/^not used, though 1150 × 2 MB are free: the server started before they were/);
  });
});
