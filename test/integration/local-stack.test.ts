import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { hugePagesLine, hugePagesNeeded, machineHugePages } from '../../services/cli/stack/huge-pages.js';
import { servedByStack } from '../../services/cli/stack/postgres-node.js';
import { stackStatus, stackUp } from '../../services/cli/stack/stack.js';
import { config } from '../helpers/real-stack.js';

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

  it.runIf(servedByStack(config.DATABASE_URL))('says whether its own cluster keeps the shared buffers in huge pages, with the server own count', async () => {
    const lines: string[] = [];
    await stackUp(config, (line) => lines.push(line));
    const needed = await hugePagesNeeded(config.DATABASE_URL);
    expect(needed).toBeGreaterThan(0);
    expect(lines).toContain(`  huge pages ${hugePagesLine(needed!, machineHugePages())}`);
  });

  it('reports every part as running', async () => {
    const lines: string[] = [];
    expect(await stackStatus(config, (line) => lines.push(line))).toBe(true);
  });
});
