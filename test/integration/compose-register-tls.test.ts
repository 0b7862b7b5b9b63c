import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { giveToOwner, startCluster, stopCluster, type ClusterPlace } from '../../services/cli/stack/postgres-cluster.js';
import { REPO_ROOT } from '../../services/shared/paths.js';

/**
 * docker-compose's register over TLS, tried without Docker: the machine's PostgreSQL started with
 * the compose file's own `-c` settings, the files its volumes mount (the one-shot `postgres-tls`
 * service's copy of the key and certificate played by the test) and the secrets
 * stack/make-secrets.sh makes; clients connect as the compose services do.
 */
const exec = promisify(execFile);
// Below the ephemeral port range (32768–60999), where an outgoing connection of the run could hold it.
const PORT = 25_439;

interface ComposeService {
  command?: string[];
  volumes?: string[];
  environment?: Record<string, string>;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const postgres = compose.services.postgres!;

/** The compose command's `-c name=value` settings, with the container's paths replaced by the files its volumes mount here. */
function hostSettings(mounts: Map<string, string>): string[] {
  const command = postgres.command ?? [];
  const settings = command.flatMap((arg, i) => (command[i - 1] === '-c' ? [arg] : []));
  return settings.map((setting) => [...mounts].reduce((value, [inContainer, here]) => value.replace(inContainer, here), setting));
}

describe('docker-compose’s PostgreSQL, as the compose file runs it', () => {
  const work = mkdtempSync(join(tmpdir(), 'dancu-compose-tls-'));
  const secrets = join(work, '.secrets');
  const cluster: ClusterPlace = { data: join(work, 'data'), log: join(work, 'postgresql.log'), config: '' };
  const socket = join(work, 'socket');
  let ownerPassword: string;

  /** The compose services' DATABASE_URL, reaching this server, with the CA file make-secrets.sh wrote. */
  function composeUrl(user: string, password: string, tls = true): string {
    const url = new URL(compose.services.migrate!.environment!.DATABASE_URL!);
    url.host = `127.0.0.1:${PORT}`;
    url.username = user;
    url.password = encodeURIComponent(password);
    if (tls) url.searchParams.set('sslrootcert', join(secrets, 'register-ca.pem'));
    else url.search = '?sslmode=disable';
    return url.toString();
  }

  /** One connection attempt: whether it is encrypted, or the server's or client's refusal. */
  async function attempt(url: string): Promise<{ tls: boolean } | { refused: string }> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
      return { tls: rows[0]!.ssl };
    } catch (error) {
      return { refused: (error as Error).message };
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  beforeAll(async () => {
    // The server runs as the `postgres` user: it must reach its folders.
    chmodSync(work, 0o755);
    mkdirSync(join(work, 'stack'));
    copyFileSync(join(REPO_ROOT, 'stack', 'make-secrets.sh'), join(work, 'stack', 'make-secrets.sh'));
    await exec('bash', [join(work, 'stack', 'make-secrets.sh')]);
    ownerPassword = readFileSync(join(secrets, 'db-owner-password'), 'utf8');
    // What the one-shot postgres-tls service does: the key and certificate, the server's own.
    const tls = join(work, 'tls');
    mkdirSync(tls);
    copyFileSync(join(secrets, 'register-tls.key'), join(tls, 'server.key'));
    copyFileSync(join(secrets, 'register-tls.crt'), join(tls, 'server.crt'));
    chmodSync(join(tls, 'server.key'), 0o600);
    for (const file of [tls, join(tls, 'server.key'), join(tls, 'server.crt')]) await giveToOwner(file);
    const mounts = new Map(
      (postgres.volumes ?? []).flatMap((volume) => {
        const [source, target] = volume.split(':') as [string, string];
        if (source.startsWith('./')) return [[target, join(REPO_ROOT, source)] as const];
        return source === 'postgres-tls' ? [[target, tls] as const] : [];
      }),
    );
    const settings = hostSettings(mounts);
    cluster.config = settings.find((s) => s.startsWith('config_file='))!.split('=')[1]!;
    mkdirSync(socket);
    await giveToOwner(socket);
    cluster.settings = [...settings.filter((s) => !s.startsWith('config_file=')), `unix_socket_directories=${socket}`, 'shared_buffers=128MB'];
    await startCluster(cluster, PORT);
    // What the image's first start does over its socket: the owner's password from its secret, the database.
    const owner = new pg.Client({ host: socket, port: PORT, user: 'postgres', database: 'postgres' });
    await owner.connect();
    await owner.query(`alter role postgres password ${owner.escapeLiteral(ownerPassword)}`);
    await owner.query('create database dancu');
    await owner.end();
  });

  afterAll(async () => {
    await stopCluster(cluster).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });

  it('gives the server a certificate for the name the services use, signed by the CA they trust', () => {
    const certificate = new X509Certificate(readFileSync(join(secrets, 'register-tls.crt')));
    const ca = new X509Certificate(readFileSync(join(secrets, 'register-ca.pem')));
    expect([certificate.checkHost('postgres'), certificate.checkIssued(ca), certificate.verify(ca.publicKey)]).toEqual(['postgres', true, true]);
  });

  it('lets in a service with its password over TLS that verifies the server', async () => {
    expect(await attempt(composeUrl('postgres', ownerPassword))).toEqual({ tls: true });
  });

  it('refuses a client without TLS before any password', async () => {
    expect(await attempt(composeUrl('postgres', ownerPassword, false))).toEqual({ refused: expect.stringContaining('no encryption') as string });
  });

  it('refuses a wrong password over TLS', async () => {
    expect(await attempt(composeUrl('postgres', 'not-the-password'))).toEqual({ refused: 'password authentication failed for user "postgres"' });
  });
});
