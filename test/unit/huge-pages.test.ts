import { describe, expect, it } from 'vitest';
import { hugePagesLine, parseMeminfo, type MachineHugePages } from '../../services/cli/stack/huge-pages.js';

const MEMINFO = `MemTotal:       24598416 kB
AnonHugePages:         0 kB
HugePages_Total:    1150
HugePages_Free:     1086
HugePages_Rsvd:     1024
HugePages_Surp:        0
Hugepagesize:       2048 kB
`;

function machine(total: number, free: number, reserved: number): MachineHugePages {
  return { total, free, reserved, sizeKb: 2048 };
}

describe('huge pages for the stack PostgreSQL', () => {
  it('reads the machine huge pages from /proc/meminfo', () => {
    expect(parseMeminfo(MEMINFO)).toEqual({ total: 1150, free: 1086, reserved: 1024, sizeKb: 2048 });
  });

  it('knows nothing of a meminfo without huge pages fields', () => {
    expect(parseMeminfo('MemTotal:       24598416 kB\n')).toBeNull();
  });

  it('gives the sysctl line with the server own need when the OS reserves too few', () => {
    expect(hugePagesLine(1089, machine(0, 0, 0))).toContain('sysctl -w vm.nr_hugepages=1089');
  });

  it('asks for a restart when enough are reserved but the server started without them', () => {
    expect(hugePagesLine(1089, machine(1150, 1150, 0))).toMatch(/^reserved \(1150\) but not used/);
  });

  it('says they are in use when as many are taken as the server needs', () => {
    expect(hugePagesLine(1088, machine(1150, 1086, 1024))).toBe('1088 × 2 MB for the shared buffers');
  });

  it('says when the system has no meminfo to read', () => {
    expect(hugePagesLine(1089, null)).toMatch(/^not on this system/);
  });
});
