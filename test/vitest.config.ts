import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure logic, no broker, registry or database: runs in seconds with the
 * stack stopped) and `integration` (the real stack, which its global setup starts). `npm test`
 * runs both; `--project unit` or `--project integration` runs one. A global setup belongs to its
 * project, so only a run with integration files starts the stack.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // The linkage engine's estimation takes seconds on a busy 2-core machine; the default 5 s is too close.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          // Integration tests share one broker and one database server on 2 cores: one file at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
