import { loadConfig } from '../../services/cli/config.js';
import { stackUp } from '../../services/cli/stack/stack.js';

/** The tests run against the real stack; start it if it is not running (a no-op when it is). */
export default async function setup(): Promise<void> {
  await stackUp(loadConfig(process.env), (line) => console.log(`[stack] ${line}`));
}
