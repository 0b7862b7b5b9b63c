import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { machineHugePages, postmasterHugetlbKb } from '../../services/cli/stack/huge-pages.js';
import { registerCluster } from '../../services/cli/stack/postgres-cluster.js';
import { stackLayout } from '../../services/cli/stack/stack-layout.js';
import { servedByStack } from '../../services/cli/stack/postgres-node.js';
import { stackStatus, stackUp } from '../../services/cli/stack/stack.js';
import { config } from '../helpers/real-stack.js';

/** The stack's own cluster, running from this checkout's data directory, on a system that has huge pages to speak of. */
function ownClusterRunsHere(): boolean {
  return servedByStack(config.DATABASE_URL) && machineHugePages() !== null && postmasterHugetlbKb(registerCluster(stackLayout()).data) !== null;
}

describe('dancu stack', () => {
  it('changes nothing when brought up while already up', async () => {
    const lines: string[] = [];
    await stackUp(config, (line) => lines.push(line));
    const states = lines.filter((line) => /^(kafka|registry|postgresql) /.test(line)).map((line) => line.split(/\s+/)[1]);
    expect(states.every((state) => state === 'running' || state === 'external')).toBe(true);
    expect(states).toHaveLength(3);
  });

  it.runIf(servedByStack(config.DATABASE_URL))('gives its own register byte order for text and Vietnamese letters for upper and lower case', async () => {
    const client = new pg.Client({ connectionString: config.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        `select datcollate, datctype, upper('đặng') as upper, lower('ĐẶNG') as lower, 'Z' < 'a' and 'z' < 'Ă' as byte_order
           from pg_database where datname = current_database()`,
      );
      expect(rows).toEqual([{ datcollate: 'C', datctype: 'C.UTF-8', upper: 'ĐẶNG', lower: 'đặng', byte_order: true }]);
    } finally {
      await client.end();
    }
  });

  it.runIf(ownClusterRunsHere())("says whether its own cluster's shared buffers are in huge pages", async () => {
    const lines: string[] = [];
    await stackUp(config, (line) => lines.push(line));
    expect(lines.filter((line) => /^ {2}huge pages (\d+ × \d+ MB for the shared buffers|not used)/.test(line))).toHaveLength(1);
  });

  it('reports every part as running', async () => {
    const lines: string[] = [];
    expect(await stackStatus(config, (line) => lines.push(line))).toBe(true);
  });
});
