import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DumpFile } from './manifest.js';

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Every file under `folder/directory`, named from `folder`, with its size and sha256 (read as streams: a dump may be gigabytes). */
export async function listDumpFiles(folder: string, directory: string): Promise<DumpFile[]> {
  const files: DumpFile[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of readdirSync(join(folder, relative), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const name = `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(name);
      else files.push({ name, bytes: statSync(join(folder, name)).size, sha256: await sha256Of(join(folder, name)) });
    }
  };
  await walk(directory);
  return files;
}
