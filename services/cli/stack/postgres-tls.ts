import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { roleName, SERVICE_ROLES } from '../../shared/store/service-roles.js';
import { setRolePasswords, type RolePasswords } from '../../shared/store/role-grants.js';
import { giveToOwner, registerCluster, type ClusterPlace } from './postgres-cluster.js';
import { answers, createDatabase, maintenanceUrl, otherDatabaseUrl, servedByStack } from './postgres-node.js';
import { waitFor } from './processes.js';
import { ensureSecretFile, readSecretFile } from './secret-files.js';
import type { StackLayout } from './stack-layout.js';
import { ensureStackCa, signWithStackCa, type StackCa } from './stack-tls.js';

/**
 * The register's PostgreSQL with identities (`stack up --secure`): a server certificate signed
 * by the stack's CA, TLS on, a password for the owner and for each service's role, and the
 * register database `dancu_secure`, which the committed stack/pg_hba.conf serves only over TLS
 * with a SCRAM password — to every client, as a register reached across a network must be. The
 * quick start's database keeps the loopback's trust. Turned on by a reload, not a restart: the
 * tests running against the stack keep their connections.
 */
const run = promisify(execFile);

/** The database stack/pg_hba.conf serves over TLS with passwords only. */
export const SECURE_DATABASE = 'dancu_secure';

export interface SecurePostgres {
  /** DATABASE_URL of the secure register: verify-full against the stack's CA, no password in it. */
  url: string;
  /** DANCU_DATABASE_SECRETS_DIR: one password file per login. */
  secrets: string;
  ca: string;
}

export async function securePostgresUp(layout: StackLayout, databaseUrl: string): Promise<SecurePostgres> {
  if (!servedByStack(databaseUrl)) {
    throw new Error(
      `stack up --secure turns on TLS in the stack's own PostgreSQL only; DATABASE_URL names another server: give it its certificate and pg_hba rules`,
    );
  }
  const cluster = registerCluster(layout);
  const ca = await ensureStackCa(layout.secureKafka);
  await ensureServerCertificate(cluster, ca);
  const owner = decodeURIComponent(new URL(databaseUrl).username) || 'postgres';
  const admin = maintenanceUrl(databaseUrl);
  await setPasswords(admin, owner, layout.postgresSecrets);
  await enableTls(admin, cluster.hba);
  const url = secureDatabaseUrl(databaseUrl, SECURE_DATABASE, ca.certificate);
  const ownerUrl = new URL(url);
  ownerUrl.password = encodeURIComponent(readSecretFile(join(layout.postgresSecrets, owner)));
  // The reload reaches new connections a moment later: until then the server still speaks no TLS.
  await waitFor('PostgreSQL over TLS', () => answers(maintenanceUrl(ownerUrl.toString())), 15_000);
  await createDatabase(ownerUrl.toString());
  return { url, secrets: layout.postgresSecrets, ca: ca.certificate };
}

/** `database` on the server of `databaseUrl`, over TLS that verifies the server's certificate and name against `caCertificate`; no password in it. */
export function secureDatabaseUrl(databaseUrl: string, database: string, caCertificate: string): string {
  const url = new URL(otherDatabaseUrl(databaseUrl, database));
  url.password = '';
  url.search = '';
  // Slashes left as they are, so that the printed URL can be read and pasted.
  return `${url.toString()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(caCertificate).replace(/%2F/g, '/')}`;
}

/**
 * server.key and server.crt in the data folder (PostgreSQL's default names), made once: the key
 * by openssl (keytool cannot hand a private key out of its store), the certificate signed by the
 * stack's CA for the addresses clients use. The key is the server user's alone, as PostgreSQL requires.
 */
async function ensureServerCertificate(cluster: ClusterPlace, ca: StackCa): Promise<void> {
  const key = join(cluster.data, 'server.key');
  const certificate = join(cluster.data, 'server.crt');
  if (existsSync(key) && existsSync(certificate)) return;
  const work = mkdtempSync(join(tmpdir(), 'dancu-postgres-tls-'));
  try {
    const request = join(work, 'server.csr');
    await run('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(work, 'server.key'),
      '-subj',
      '/CN=dancu-register',
      '-out',
      request,
    ]).catch((error: unknown) => {
      throw new Error(`openssl could not make the register's TLS key (${(error as Error).message.split('\n')[0]}): install openssl`);
    });
    await signWithStackCa(ca, request, join(work, 'server.crt'), ['127.0.0.1']);
    copyFileSync(join(work, 'server.crt'), certificate);
    copyFileSync(join(work, 'server.key'), key);
    chmodSync(key, 0o600);
    await giveToOwner(key);
    await giveToOwner(certificate);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A password file for the owner and each service's role (made once), given to the logins. */
async function setPasswords(adminUrl: string, owner: string, secrets: string): Promise<void> {
  const password = (login: string) => readSecretFile(ensureSecretFile(secrets, login).path);
  const roles: RolePasswords = Object.fromEntries(SERVICE_ROLES.map((service) => [service, password(roleName(service))]));
  await setRolePasswords(adminUrl, roles);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`alter role ${client.escapeIdentifier(owner)} password ${client.escapeLiteral(password(owner))}`);
  } finally {
    await client.end();
  }
}

/** TLS on with the data folder's certificate; a reload applies it (and the committed pg_hba.conf) to new connections. */
async function enableTls(adminUrl: string, registerClusterHba: string | undefined): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ hba_file: string }>('show hba_file');
    if (rows[0]?.hba_file !== registerClusterHba) {
      throw new Error(`the register's PostgreSQL was started without stack/pg_hba.conf: run \`dancu stack down\` and \`stack up --secure\` again`);
    }
    await client.query('alter system set ssl = on');
    await client.query('select pg_reload_conf()');
  } finally {
    await client.end();
  }
}
