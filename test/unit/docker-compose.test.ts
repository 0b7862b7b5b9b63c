import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cliConfigSchema } from '../../services/cli/config.js';
import { ingestConfigSchema } from '../../services/ingest/config.js';
import { linkerConfigSchema } from '../../services/linker/config.js';
import { monitorConfigSchema } from '../../services/monitor/config.js';
import { storeConfigSchema } from '../../services/store/config.js';
import { stewardConfigSchema } from '../../services/steward/config.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { CLUSTER_LOCALE } from '../../services/cli/stack/postgres-cluster.js';

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const known = new Set(
  [cliConfigSchema, ingestConfigSchema, linkerConfigSchema, storeConfigSchema, monitorConfigSchema, stewardConfigSchema].flatMap((schema) =>
    Object.keys(schema.shape),
  ),
);
const dancuServices = Object.entries(compose.services).filter(([, service]) => service.image === 'dancu:local');

describe('docker-compose.yml', () => {
  it('runs each pipeline service, the monitor, the steward service and the migration', () => {
    expect(dancuServices.map(([, service]) => service.command?.join(' ')).sort()).toEqual([
      'migrate',
      'run ingest',
      'run linker',
      'run monitor',
      'run steward',
      'run store',
    ]);
  });

  it('lets Prometheus scrape every service on the port it listens on', () => {
    const scrape = parse(readFileSync(join(REPO_ROOT, 'docs', 'prometheus.yml'), 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const targets = scrape.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets)).sort();
    expect(targets).toEqual(['ingest:9401', 'linker:9402', 'monitor:9400', 'steward:9411', 'store:9403']);
  });

  it('sets only variables that dancu reads, with the names of the local stack', () => {
    const names = dancuServices.flatMap(([, service]) => Object.keys(service.environment ?? {}));
    expect(names.filter((name) => !known.has(name))).toEqual([]);
  });

  it('gives every dancu service the broker, registry and database', () => {
    for (const [, service] of dancuServices) {
      expect(Object.keys(service.environment ?? {})).toEqual(expect.arrayContaining(['DANCU_KAFKA_BROKERS', 'DANCU_SCHEMA_REGISTRY_URL', 'DATABASE_URL']));
    }
  });

  it('initialises the register’s cluster with the local stack’s locale', () => {
    expect(compose.services.postgres?.environment?.POSTGRES_INITDB_ARGS).toBe(CLUSTER_LOCALE.join(' '));
  });

  it('hands the register owner’s password to PostgreSQL and the migration only, and each service its own role’s', () => {
    const holders = Object.entries(compose.services)
      .filter(([, service]) => service.secrets?.includes('db-owner-password'))
      .map(([name]) => name)
      .sort();
    expect(holders).toEqual(['migrate', 'postgres']);
    for (const name of ['linker', 'store', 'steward', 'monitor']) {
      const service = compose.services[name]!;
      expect(service.secrets?.filter((secret) => secret.startsWith('db-'))).toEqual([`db-${name}-password`]);
      expect(service.environment?.[`DANCU_${name.toUpperCase()}_DATABASE_PASSWORD_FILE`]).toBe(`/run/secrets/db-${name}-password`);
    }
  });

  it('reaches the register over TLS that verifies the server against the CA secret, from every service that connects to it', () => {
    for (const name of ['migrate', 'linker', 'store', 'steward', 'monitor']) {
      const service = compose.services[name]!;
      const url = new URL(service.environment?.DATABASE_URL ?? '');
      expect([url.searchParams.get('sslmode'), url.searchParams.get('sslrootcert'), service.secrets?.includes('register-ca')]).toEqual([
        'verify-full',
        '/run/secrets/register-ca',
        true,
      ]);
    }
  });

  it('puts no password in any service’s environment, only files that hold them', () => {
    const values = Object.values(compose.services).flatMap((service) => Object.entries(service.environment ?? {}));
    expect(values.filter(([name, value]) => /PASSWORD$|SECRET$/.test(name) && value !== '').map(([name]) => name)).toEqual([]);
    expect(values.map(([, value]) => String(value)).filter((value) => /postgres:\/\/[^@/]*:[^@/]*@/.test(value))).toEqual([]);
  });
});
