import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../services/cli/stack/postgres-node.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { dropDatabase, testDatabaseUrl, uniqueName } from '../helpers/real-stack.js';

const exec = promisify(execFile);
/** Names this file's databases start with. */
const PREFIX = 'register-check';

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the dancu CLI against one database (and no Kafka: the check comes first); resolves with the exit code. */
async function dancu(databaseUrl: string, ...args: string[]): Promise<Outcome> {
  return exec('node', [join(REPO_ROOT, 'bin', 'dancu.js'), ...args], { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

/** The database URL with a password in it, which the messages must not show (the server trusts local users, so it is never asked for). */
function withPassword(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.password = 'n0t-to-be-shown';
  return url.toString();
}

describe('commands against a register database that is not ready say so in one line, and what to run', () => {
  const empty = testDatabaseUrl(uniqueName(PREFIX));
  const missing = testDatabaseUrl(uniqueName(PREFIX));
  const name = (databaseUrl: string) => new URL(databaseUrl).pathname.slice(1);

  beforeAll(async () => {
    await createDatabase(empty);
  });

  afterAll(async () => {
    await dropDatabase(empty);
    await dropDatabase(missing);
  });

  it.each(['quality report', 'quality register', 'citizen C-1', 'unlinked', 'duplicates list'])(
    'dancu %s on a database never migrated names it and says to run npx dancu migrate',
    async (command) => {
      const outcome = await dancu(withPassword(empty), ...command.split(' '));
      expect([outcome.code, outcome.stderr.trim()]).toEqual([
        1,
        expect.stringMatching(new RegExp(`^dancu: database "${name(empty)}" on [^ ]+ is not migrated: run \`npx dancu migrate\`(, or add --demo .*)?$`)),
      ]);
    },
  );

  it('dancu load-population on a database never migrated says so in one line, from the thread the load runs on', async () => {
    const dir = mkdtempSync(join(tmpdir(), PREFIX));
    const file = join(dir, 'population.csv');
    writeFileSync(file, 'citizen_id,full_name,date_of_birth,sex,address\n079087000001,Nguyễn Văn Hoà,14/03/1987,M,\n');
    const outcome = await dancu(withPassword(empty), 'load-population', file);
    rmSync(dir, { recursive: true, force: true });
    expect([outcome.code, outcome.stderr.trim()]).toEqual([
      1,
      expect.stringMatching(new RegExp(`^dancu: database "${name(empty)}" on [^ ]+ is not migrated: run \`npx dancu migrate\`(, or add --demo .*)?$`)),
    ]);
  });

  it('never shows the password of the database URL', async () => {
    expect((await dancu(withPassword(empty), 'unlinked')).stderr).not.toContain('n0t-to-be-shown');
  });

  it('says a database that does not exist does not exist, in one line', async () => {
    const outcome = await dancu(missing, 'unlinked');
    expect([outcome.code, outcome.stderr.trim()]).toEqual([
      1,
      expect.stringMatching(
        new RegExp(`^dancu: database "${name(missing)}" on [^ ]+ does not exist: create and migrate it with \`npx dancu migrate\`[^\\n]*$`),
      ),
    ]);
  });

  it('says PostgreSQL does not answer when nothing listens, in one line', async () => {
    const url = new URL(empty);
    url.port = '1';
    const outcome = await dancu(url.toString(), 'unlinked');
    expect([outcome.code, outcome.stderr.trim()]).toEqual([
      1,
      expect.stringMatching(/^dancu: PostgreSQL does not answer for database "[^"]+" on [^ ]+:1: start it with `npx dancu stack up`[^\n]*$/),
    ]);
  });

  it('runs the command once npx dancu migrate has created and migrated the database', async () => {
    await dancu(missing, 'migrate');
    expect((await dancu(missing, 'unlinked')).stdout).toBe('0 unlinked records waiting\n');
  });
});
