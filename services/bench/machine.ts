import { cpus, totalmem } from 'node:os';
import { machineHugePages } from '../cli/stack/huge-pages.js';

/**
 * What a benchmark ran on, printed first by each: cores, memory, Node, and the OS's huge pages,
 * which changed the streaming linker's rate by a third to a half at 10 M citizens (docs/BENCHMARKS.md, "Huge pages").
 */
export function machineLine(): string {
  const huge = machineHugePages();
  const pages = huge === null ? 'unknown' : huge.total === 0 ? 'none reserved' : `${huge.total} × ${huge.sizeKb / 1024} MB reserved, ${huge.free} free`;
  return `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, huge pages ${pages}`;
}
