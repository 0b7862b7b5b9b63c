import { describe, expect, it } from 'vitest';
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

  it('reports every part as running', async () => {
    const lines: string[] = [];
    expect(await stackStatus(config, (line) => lines.push(line))).toBe(true);
  });
});
