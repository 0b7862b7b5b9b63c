import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../services/shared/store/db.js';
import { migrate } from '../../services/shared/store/migrate.js';
import { roleName, SERVICE_ROLES, serviceDatabaseUrl, TABLE_ACCESS, type ServiceRole } from '../../services/shared/store/service-roles.js';
import { IsolatedDatabase, IsolatedRun } from '../helpers/isolated-run.js';
import { waitUntil } from '../helpers/wait.js';

const PERMISSION_DENIED = '42501';

/** The SQLSTATE a statement fails with as `role`, or 'ok'. */
async function outcomeAs(pools: Record<ServiceRole, Pool>, role: ServiceRole, sql: string): Promise<string> {
  return pools[role].query(sql).then(
    () => 'ok',
    (error: unknown) => (error as { code?: string }).code ?? 'error',
  );
}

/**
 * Each service connects to the register as its own role with only the grants service-roles.ts
 * gives it (issue 20, item 2): the statements below are what each role must and must not be able
 * to do, tried on a migrated database.
 */
describe('the services connect to the register with least privilege', () => {
  const db = new IsolatedDatabase('roles');
  let pools: Record<ServiceRole, Pool>;

  beforeAll(async () => {
    await db.setUp();
    pools = Object.fromEntries(SERVICE_ROLES.map((role) => [role, createPool(serviceDatabaseUrl(db.url, role, undefined), 1)])) as Record<ServiceRole, Pool>;
    await db.pool.query(
      `insert into citizens (citizen_id, full_name, name_key, family_name, origin) values ('079000000001', 'Tô Thị Mẫn', 'to thi man', 'Tô', 'test')`,
    );
    await db.pool.query(`insert into audit_log (actor, action, citizen_id, details) values ('test', 'CREATED', '079000000001', '{}')`);
  });

  afterAll(async () => {
    await Promise.all(Object.values(pools ?? {}).map((pool) => pool.end()));
    await db.cleanUp();
  });

  it('names every table of the schema in the grants map, and no table the schema lacks', async () => {
    const { rows } = await db.pool.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public' order by 1");
    expect(rows.map((row) => row.name)).toEqual(Object.keys(TABLE_ACCESS).sort());
  });

  it('refuses the steward service an update of a citizen row', async () => {
    expect(await outcomeAs(pools, 'steward', `update citizens set full_name = 'X' where citizen_id = '079000000001'`)).toBe(PERMISSION_DENIED);
  });

  it('lets the steward service read citizens and write its outbox rows and audit entries', async () => {
    expect(await outcomeAs(pools, 'steward', 'select count(*) from citizens')).toBe('ok');
    expect(
      await outcomeAs(
        pools,
        'steward',
        `insert into outbox (event_id, topic, message_key, record_type, payload) values ('roles-1', 't', 'k', 'stewardDecision', '{}')`,
      ),
    ).toBe('ok');
    expect(await outcomeAs(pools, 'steward', `insert into audit_log (actor, action, details) values ('steward:a', 'VIEWED', '{}')`)).toBe('ok');
  });

  it('refuses the linker any write to the register', async () => {
    expect(
      await outcomeAs(
        pools,
        'linker',
        `insert into record_links (citizen_id, source, source_system, source_record_id, decision_id, method, score) values ('079000000001', 'vaccination', 'vx', 'r1', 'd1', 'test', 1)`,
      ),
    ).toBe(PERMISSION_DENIED);
    expect(await outcomeAs(pools, 'linker', `delete from citizens`)).toBe(PERMISSION_DENIED);
  });

  it('gives the monitor reads only', async () => {
    expect(await outcomeAs(pools, 'monitor', 'select count(*) from review_cases')).toBe('ok');
    expect(await outcomeAs(pools, 'monitor', `update review_cases set status = 'DECIDED'`)).toBe(PERMISSION_DENIED);
    expect(await outcomeAs(pools, 'monitor', 'select count(*) from steward_users')).toBe(PERMISSION_DENIED);
  });

  it('keeps the audit log append-only for every service role', async () => {
    for (const role of SERVICE_ROLES) {
      expect(await outcomeAs(pools, role, `update audit_log set actor = 'someone else'`)).toBe(PERMISSION_DENIED);
      expect(await outcomeAs(pools, role, 'delete from audit_log')).toBe(PERMISSION_DENIED);
    }
  });

  it('keeps steward passwords and sessions from every role but the steward service', async () => {
    for (const role of SERVICE_ROLES.filter((name) => name !== 'steward')) {
      expect(await outcomeAs(pools, role, 'select password_hash from steward_users')).toBe(PERMISSION_DENIED);
      expect(await outcomeAs(pools, role, 'select token_hash from steward_sessions')).toBe(PERMISSION_DENIED);
    }
  });

  it('takes back a privilege removed from the map when migrations run again', async () => {
    await db.pool.query(`grant update on citizens to ${roleName('steward')}`);
    expect(await outcomeAs(pools, 'steward', `update citizens set full_name = full_name where false`)).toBe('ok');
    await migrate(db.url);
    expect(await outcomeAs(pools, 'steward', `update citizens set full_name = full_name where false`)).toBe(PERMISSION_DENIED);
  });
});

describe('a run starts each service as its own database role', () => {
  const run = new IsolatedRun('roles-run');

  beforeAll(async () => {
    await run.setUp();
    await run.startServices({ steward: true, monitor: true });
  });

  afterAll(() => run.cleanUp());

  it('shows the linker, store, steward and monitor connected to the run database as their roles', async () => {
    const database = new URL(run.databaseUrl).pathname.slice(1);
    const users = await waitUntil(
      async () =>
        (await run.pool.query<{ usename: string }>('select distinct usename from pg_stat_activity where datname = $1 order by 1', [database])).rows.map(
          (row) => row.usename,
        ),
      (seen) => SERVICE_ROLES.every((role) => seen.includes(roleName(role))),
      30_000,
      'every service connected',
    );
    expect(users.filter((user) => user.startsWith('dancu_')).sort()).toEqual(SERVICE_ROLES.map(roleName).sort());
  });
});
