import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { withPool } from '../kafka-session.js';
import { disableUser, listUsers, ROLES, saveUser, type Role } from '../../shared/review/steward-users.js';

/** The password from DANCU_STEWARD_PASSWORD, or the first line of standard input: never from the command line, where `ps` and shell history would show it. */
async function readPassword(): Promise<string> {
  const fromEnv = process.env.DANCU_STEWARD_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('password: ');
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split('\n')[0]!.replace(/\r$/, '');
}

export function stewardCommand(): Command {
  const steward = new Command('steward').description("users of the stewards' review service (start the service itself with `dancu run steward`)");
  const user = new Command('user').description("local users: viewers read, stewards decide, admins also release others' claims");
  user.addCommand(
    new Command('add')
      .description('add a user or set their password and role; the password comes from DANCU_STEWARD_PASSWORD or standard input')
      .argument('<username>')
      .addOption(new Option('--role <role>', 'what the user may do').choices([...ROLES]).default('steward'))
      .action(async (username: string, options: { role: Role }) => {
        const config = loadConfig(process.env);
        const password = await readPassword();
        await withPool(config, 1, (pool) => saveUser(pool, username, password, options.role));
        console.log(`user ${username} saved with role ${options.role}`);
      }),
  );
  user.addCommand(
    new Command('list').description('users, roles and whether they are disabled').action(async () => {
      const config = loadConfig(process.env);
      const users = await withPool(config, 1, (pool) => listUsers(pool));
      for (const u of users)
        console.log(`${u.username.padEnd(24)} ${u.role.padEnd(8)} ${u.disabled_at ? `disabled ${u.disabled_at.toISOString()}` : 'active'}`);
    }),
  );
  user.addCommand(
    new Command('disable')
      .description('disable a user and end their sessions')
      .argument('<username>')
      .action(async (username: string) => {
        const config = loadConfig(process.env);
        const done = await withPool(config, 1, (pool) => disableUser(pool, username));
        console.log(done ? `user ${username} disabled` : `no active user ${username}`);
        if (!done) process.exitCode = 1;
      }),
  );
  steward.addCommand(user);
  return steward;
}
