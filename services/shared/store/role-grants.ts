import pg from 'pg';
import { DancuError } from '../errors.js';
import { insertsInto, privilegesOn, roleName, SERVICE_ROLES, TABLE_ACCESS, type ServiceRole } from './service-roles.js';

/** Passwords to give the services' roles, when the deployment sets them (the stack's own cluster trusts local connections). */
export type RolePasswords = Partial<Record<ServiceRole, string>>;

const DUPLICATE_OBJECT = '42710';
const UNIQUE_VIOLATION = '23505';
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * Makes the database's grants what service-roles.ts says: each service's role exists (roles are
 * the server's, shared by its databases), may use the schema, and has exactly its privileges on
 * each table and the sequences of the tables it inserts into — everything else revoked, so a
 * privilege removed from the map is removed from the database too. Idempotent; run after every
 * migration by the migration owner.
 */
export async function applyServiceGrants(databaseUrl: string, passwords: RolePasswords = {}): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const service of SERVICE_ROLES) await ensureRole(client, service, passwords[service]);
    const existing = new Set(
      (await client.query<{ name: string }>("select tablename as name from pg_tables where schemaname = 'public'")).rows.map((row) => row.name),
    );
    await client.query('begin');
    for (const service of SERVICE_ROLES) await grantTo(client, service, existing);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

/** Makes the services' roles that do not exist yet and gives them these passwords (roles are the server's: any of its databases will do). */
export async function setRolePasswords(databaseUrl: string, passwords: RolePasswords): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const service of SERVICE_ROLES) await ensureRole(client, service, passwords[service]);
  } finally {
    await client.end();
  }
}

async function ensureRole(client: pg.Client, service: ServiceRole, password: string | undefined): Promise<void> {
  const role = client.escapeIdentifier(roleName(service));
  const { rowCount } = await client.query('select 1 from pg_roles where rolname = $1', [roleName(service)]);
  if (rowCount === 0) {
    // Two databases migrated at once may both try: the loser's error only says the role exists.
    await client.query(`create role ${role} login`).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code === DUPLICATE_OBJECT || code === UNIQUE_VIOLATION) return;
      if (code === INSUFFICIENT_PRIVILEGE) {
        throw new DancuError(
          'ROLES_NOT_CREATED',
          `cannot create the services' database roles: give DATABASE_URL's user CREATEROLE, or set DANCU_DATABASE_ROLES=shared`,
          { retriable: false },
        );
      }
      throw error;
    });
  }
  if (password !== undefined) await client.query(`alter role ${role} login password ${client.escapeLiteral(password)}`);
}

async function grantTo(client: pg.Client, service: ServiceRole, existing: Set<string>): Promise<void> {
  const role = client.escapeIdentifier(roleName(service));
  await client.query(`grant usage on schema public to ${role}`);
  await client.query(`revoke all on all tables in schema public from ${role}`);
  await client.query(`revoke all on all sequences in schema public from ${role}`);
  for (const table of Object.keys(TABLE_ACCESS).filter((name) => existing.has(name))) {
    const privileges = privilegesOn(table, service);
    if (privileges.length > 0) await client.query(`grant ${privileges.join(', ')} on ${client.escapeIdentifier(table)} to ${role}`);
  }
  const sequences = await client.query<{ name: string }>(
    `select s.relname as name from pg_class s
       join pg_depend d on d.objid = s.oid and d.deptype in ('a', 'i')
       join pg_class t on t.oid = d.refobjid
      where s.relkind = 'S' and t.relname = any($1::text[])`,
    [insertsInto(service).filter((table) => existing.has(table))],
  );
  for (const { name } of sequences.rows) await client.query(`grant usage, select on sequence ${client.escapeIdentifier(name)} to ${role}`);
}
