import { z } from 'zod';
import { DancuError } from '../shared/errors.js';

/**
 * What `dancu demo` leaves of its run so that later commands can look at it with `--demo`: the
 * run's own database (without its password), topic namespace and consumer groups. The services'
 * ports are not kept: the demo's services stop with it, and a `dancu run --demo` takes the usual ones.
 */
export const demoRunSchema = z.object({
  startedAt: z.string(),
  databaseUrl: z.string().url(),
  topicNamespace: z.string(),
  groups: z.object({ ingest: z.string(), linker: z.string(), store: z.string() }),
});

export type DemoRun = z.infer<typeof demoRunSchema>;

/** A demo run file's text as a run; one line saying what is wrong with it otherwise. */
export function parseDemoRun(text: string, file: string): DemoRun {
  let parsed: ReturnType<typeof demoRunSchema.safeParse>;
  try {
    parsed = demoRunSchema.safeParse(JSON.parse(text));
  } catch {
    throw new DancuError('DEMO_RUN_UNREADABLE', `${file} is not JSON: run \`npm run demo\` again`, { retriable: false });
  }
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(file)').join(', ');
    throw new DancuError('DEMO_RUN_UNREADABLE', `${file} is not a demo run (${fields}): run \`npm run demo\` again`, { retriable: false });
  }
  return parsed.data;
}

/** A database URL as it may be written to a file: the password left out. */
export function withoutPassword(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.password = '';
  return url.toString();
}

/** Whether two URLs name the same database of the same server as the same user, whatever their passwords. */
export function sameDatabase(a: string, b: string): boolean {
  try {
    return withoutPassword(a) === withoutPassword(b);
  } catch {
    return false;
  }
}

/** The demo's database URL with the password of the environment's, when that one is for the same server and user (the file never holds it). */
function withPasswordOf(demoUrl: string, envUrl: string | undefined): string {
  if (envUrl === undefined) return demoUrl;
  try {
    const demo = new URL(demoUrl);
    const env = new URL(envUrl);
    if (env.password === '' || env.host !== demo.host || env.username !== demo.username) return demoUrl;
    demo.password = env.password;
    return demo.toString();
  } catch {
    return demoUrl;
  }
}

/**
 * The environment a command runs with. Without `--demo` it is the process's as given. With it,
 * the demo run's database, topic namespace and consumer groups replace the environment's (they
 * are what makes it the demo's run); everything else — brokers, registry, log level, settings
 * files — stays as the environment says.
 */
export function resolveRunEnv(env: NodeJS.ProcessEnv, options: { demo: boolean; demoRun: DemoRun | null; file: string }): NodeJS.ProcessEnv {
  if (!options.demo) return env;
  const run = options.demoRun;
  if (run === null) {
    throw new DancuError('NO_DEMO_RUN', `--demo: there is no demo run to look at (no ${options.file}); run \`npm run demo\` first`, { retriable: false });
  }
  return {
    ...env,
    DATABASE_URL: withPasswordOf(run.databaseUrl, env.DATABASE_URL),
    DANCU_TOPIC_NAMESPACE: run.topicNamespace,
    DANCU_INGEST_GROUP_ID: run.groups.ingest,
    DANCU_LINKER_GROUP_ID: run.groups.linker,
    DANCU_STORE_GROUP_ID: run.groups.store,
  };
}

/**
 * What to run when the register's database check failed, in the CLI's words; null for a failure
 * the check does not know. Looking at the demo's database, the fix is the demo's; looking
 * elsewhere while a demo run exists, `--demo` may be what was meant.
 */
export function databaseRemedy(code: string, context: { databaseUrl: string; demoRun: DemoRun | null }): string | null {
  const { demoRun } = context;
  const isDemo = demoRun !== null && sameDatabase(context.databaseUrl, demoRun.databaseUrl);
  const orDemo = demoRun !== null && !isDemo ? ", or add --demo to look at the demo's run" : '';
  switch (code) {
    case 'DATABASE_UNREACHABLE':
      return 'start it with `npx dancu stack up`, or set DATABASE_URL to a server that runs';
    case 'DATABASE_LOGIN_REFUSED':
      return 'give DATABASE_URL a user the server knows, and its password in the URL, DANCU_DATABASE_PASSWORD(_FILE) or DANCU_DATABASE_SECRETS_DIR';
    case 'DATABASE_MISSING':
      return isDemo ? "run `npm run demo` again (the demo's run is gone)" : `create and migrate it with \`npx dancu migrate\`${orDemo}`;
    case 'NOT_MIGRATED':
      return isDemo ? 'run `npx dancu migrate --demo`' : `run \`npx dancu migrate\`${orDemo}`;
    default:
      return null;
  }
}
