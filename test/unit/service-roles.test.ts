import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/cli/config.js';
import { rolePasswords, serviceEnv } from '../../services/cli/service-catalogue.js';
import { secureDatabaseUrl } from '../../services/cli/stack/postgres-tls.js';
import { readSecret } from '../../services/shared/config/secrets.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { privilegesOn, roleName, SERVICE_ROLES, serviceDatabaseUrl, TABLE_ACCESS } from '../../services/shared/store/service-roles.js';

/** A folder with one password file per login, as `stack up --secure` writes it. */
function secretsFolder(passwords: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dancu-secrets-'));
  for (const [login, password] of Object.entries(passwords)) writeFileSync(join(dir, login), `${password}\n`);
  return dir;
}

describe('the services’ database roles', () => {
  it('connects a service as its own role, with its password and nothing of the owner’s', () => {
    const url = serviceDatabaseUrl('postgres://owner:secret@db.example:5432/dancu?sslmode=verify-full', 'store', 'p@ss/word');
    const parsed = new URL(url);
    expect([parsed.username, decodeURIComponent(parsed.password), parsed.host, parsed.pathname, parsed.search]).toEqual([
      'dancu_store',
      'p@ss/word',
      'db.example:5432',
      '/dancu',
      '?sslmode=verify-full',
    ]);
  });

  it('gives each service that uses the database its role in a run, and leaves ingest as it is', () => {
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/run1', DANCU_STEWARD_DATABASE_PASSWORD: 'x' };
    expect(new URL(serviceEnv('steward', env).DATABASE_URL!).username).toBe('dancu_steward');
    expect(serviceEnv('ingest', env)).toBe(env);
  });

  it('runs every service as DATABASE_URL’s user when roles are shared', () => {
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/run1', DANCU_DATABASE_ROLES: 'shared' };
    expect(serviceEnv('store', env).DATABASE_URL).toBe(env.DATABASE_URL);
  });

  it('reads a role’s password from the file its _FILE variable names, without the trailing newline', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'dancu-secret-')), 'linker');
    writeFileSync(file, 's3cret\n');
    expect(rolePasswords({ DANCU_LINKER_DATABASE_PASSWORD_FILE: file })).toEqual({ linker: 's3cret' });
  });

  it('reads each login’s password from its file in DANCU_DATABASE_SECRETS_DIR when no variable gives it', () => {
    const dir = secretsFolder({ postgres: 'owner-pw', dancu_linker: 'l', dancu_store: 's', dancu_steward: 'st', dancu_monitor: 'm' });
    const env = {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/dancu_secure?sslmode=verify-full',
      DANCU_DATABASE_SECRETS_DIR: dir,
      DANCU_STORE_DATABASE_PASSWORD: 'given',
    };
    expect([rolePasswords(env), decodeURIComponent(new URL(loadConfig(env).DATABASE_URL).password)]).toEqual([
      { linker: 'l', store: 'given', steward: 'st', monitor: 'm' },
      'owner-pw',
    ]);
  });

  it('says which login a secrets folder lacks, never falling back to another', () => {
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/run1', DANCU_DATABASE_SECRETS_DIR: secretsFolder({ postgres: 'x' }) };
    expect(() => serviceEnv('monitor', env)).toThrow(/^DANCU_DATABASE_SECRETS_DIR holds no password for dancu_monitor/);
  });

  it('points a secure register’s URL at its database over TLS that verifies the server, with no password in it', () => {
    const url = secureDatabaseUrl('postgres://postgres:pw@127.0.0.1:55432/dancu?x=1', 'dancu_secure', '/stack/tls/ca.pem');
    expect(url).toBe('postgres://postgres@127.0.0.1:55432/dancu_secure?sslmode=verify-full&sslrootcert=/stack/tls/ca.pem');
  });

  it('names the variable, not the secret, when a secret file cannot be read', () => {
    expect(() => readSecret({ X_FILE: '/nonexistent/secret' }, 'X')).toThrow(/X_FILE names a file that cannot be read/);
  });

  it('never lets a role update or delete the audit log', () => {
    for (const role of SERVICE_ROLES) expect(privilegesOn('audit_log', role).filter((p) => p === 'update' || p === 'delete')).toEqual([]);
  });

  it('documents exactly the grants the map holds (docs/identities.md)', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'identities.md'), 'utf8');
    const shown = (privileges: string[]) => (privileges.length === 0 ? '—' : privileges.join(', '));
    for (const table of Object.keys(TABLE_ACCESS)) {
      const row = `| \`${table}\` | ${SERVICE_ROLES.map((role) => shown(privilegesOn(table, role))).join(' | ')} |`;
      expect(doc).toContain(row);
    }
    expect(doc).toContain(`| table | ${SERVICE_ROLES.map(roleName).join(' | ')} |`);
  });
});
