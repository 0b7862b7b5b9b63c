import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SHUTDOWN = fileURLToPath(new URL('../../services/shared/service/shutdown.ts', import.meta.url));

// A service whose stop never yields to its timers, as a kafkajs consumer stopped during a change
// of the brokers it fetches from does: microtasks queued for ever.
const STUCK_SERVICE = `
import { installShutdown } from ${JSON.stringify(SHUTDOWN)};
const logger = { info() {}, error() {} };
const spin = () => { Promise.resolve().then(spin); };
installShutdown(logger, () => { spin(); return new Promise(() => {}); }, { deadlineMs: 200, watchdogMarginMs: 300 });
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`;

describe('a service whose stop spins past its deadline', () => {
  it('is killed by the watchdog thread, though its deadline timer never runs', async () => {
    const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', STUCK_SERVICE], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await once(child.stdout, 'data');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const bound = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    clearTimeout(bound);
    expect([code, signal, stderr.includes('shutdown stuck past its deadline')]).toEqual([null, 'SIGKILL', true]);
  });
});
