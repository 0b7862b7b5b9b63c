import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../services/cli/config.js';
import { aclTarget } from '../../services/cli/kafka-acl-setup.js';
import { serviceEnv } from '../../services/cli/service-catalogue.js';
import { aclChanges, aclEntry } from '../../services/shared/kafka/acl-apply.js';
import { kafkaConnection } from '../../services/shared/kafka/client.js';
import { kafkaAcls, principalAccess, sectorPrincipal, servicePrincipal, type KafkaAcl } from '../../services/shared/kafka/kafka-acls.js';
import { REPO_ROOT } from '../../services/shared/paths.js';
import { SOURCE_NAMES, SOURCE_TOPICS } from '../../services/shared/schemas/topics.js';

const target = aclTarget(loadConfig({ DANCU_TOPIC_NAMESPACE: 'ns' }));
const acls = kafkaAcls(target);
const topics = target.topics;

function allowed(principal: string, operation: KafkaAcl['operation']): string[] {
  return acls.filter((acl) => acl.principal === principal && acl.resourceType === 'topic' && acl.operation === operation).map((acl) => acl.name);
}

/** Who may write a topic. */
function writers(topic: string): string[] {
  return acls.filter((acl) => acl.resourceType === 'topic' && acl.name === topic && acl.operation === 'write').map((acl) => acl.principal);
}

describe('the Kafka ACL map', () => {
  it.each(SOURCE_NAMES)('lets the %s sector write only its own events and change capture, and read only its own feedback', (source) => {
    const own = SOURCE_TOPICS[source];
    expect(allowed(sectorPrincipal(source), 'write').sort()).toEqual([topics[own.events], topics[own.cdc]].sort());
    expect(allowed(sectorPrincipal(source), 'read')).toEqual([topics[own.feedback]]);
    expect(allowed(sectorPrincipal(source), 'describe')).toEqual([]);
  });

  it('lets only the linker write link decisions, and only the store write population updates', () => {
    expect([writers(topics.decisions), writers(topics.populationUpdates)]).toEqual([[servicePrincipal('linker')], [servicePrincipal('store')]]);
  });

  it('lets the steward service write steward decisions and dead letters, nothing else, and read nothing', () => {
    expect(allowed(servicePrincipal('steward'), 'write').sort()).toEqual([topics.stewardDecisions, topics.deadLetters].sort());
    expect(allowed(servicePrincipal('steward'), 'read')).toEqual([]);
    expect(writers(topics.stewardDecisions)).toEqual([servicePrincipal('steward')]);
  });

  it('lets the operator read no message, only see topics and groups', () => {
    const operator = acls.filter((acl) => acl.principal === servicePrincipal('operator'));
    expect(new Set(operator.map((acl) => acl.operation))).toEqual(new Set(['describe']));
    expect(allowed(servicePrincipal('operator'), 'describe').sort()).toEqual(Object.values(topics).sort());
  });

  it('names every topic under the namespace, and each pipeline group by its configured id', () => {
    expect(acls.filter((acl) => acl.resourceType === 'topic' && !acl.name.startsWith('ns.'))).toEqual([]);
    expect(acls.filter((acl) => acl.principal === servicePrincipal('ingest') && acl.resourceType === 'group')).toEqual([
      { principal: 'dancu-ingest', resourceType: 'group', pattern: 'literal', name: 'dancu-ingest', operation: 'read' },
    ]);
    expect(acls.find((acl) => acl.principal === sectorPrincipal('vaccination') && acl.resourceType === 'group')).toMatchObject({
      pattern: 'prefixed',
      name: 'ns.sector-vaccination',
    });
  });

  it('documents exactly the rules the map holds (docs/identities.md)', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'identities.md'), 'utf8');
    const production = kafkaAcls(aclTarget(loadConfig({})));
    const names = (principal: string, operation: KafkaAcl['operation']) =>
      production.filter((acl) => acl.principal === principal && acl.resourceType === 'topic' && acl.operation === operation).map((acl) => `\`${acl.name}\``);
    const shown = (list: string[], separator = ', ') => (list.length === 0 ? '—' : list.join(separator));
    for (const [principal] of principalAccess()) {
      const groups = new Map<string, string[]>();
      for (const acl of production.filter((rule) => rule.principal === principal && rule.resourceType === 'group')) {
        const label = `\`${acl.name}${acl.pattern === 'prefixed' ? '…' : ''}\``;
        groups.set(label, [...(groups.get(label) ?? []), acl.operation]);
      }
      const groupCell = shown(
        [...groups].map(([label, operations]) => `${label} ${operations.join(', ')}`),
        '; ',
      );
      const row = `| \`${principal}\` | ${shown(names(principal, 'read'))} | ${shown(names(principal, 'write'))} | ${shown(names(principal, 'describe'))} | ${groupCell} |`;
      expect(doc).toContain(row);
    }
  });
});

describe('applying the map to a cluster', () => {
  const desired = kafkaAcls(target).map(aclEntry);
  const owned = new Set(desired.map((entry) => `${entry.resourceType}\u0000${entry.resourcePatternType}\u0000${entry.resourceName}`));

  it('creates the missing rules and keeps those in place', () => {
    const { create, remove, kept } = aclChanges(desired.slice(1), desired, owned);
    expect([create, remove, kept]).toEqual([[desired[0]], [], desired.length - 1]);
  });

  it('removes a grant by hand on a pipeline topic, and leaves the rules on topics that are not the pipeline’s', () => {
    const byHand = { ...desired[0]!, principal: 'User:mallory' };
    const elsewhere = { ...desired[0]!, resourceName: 'team.own.v1' };
    expect(aclChanges([...desired, byHand, elsewhere], desired, owned).remove).toEqual([byHand]);
  });
});

describe('logging in to Kafka', () => {
  const secretsDir = mkdtempSync(join(tmpdir(), 'dancu-kafka-secrets-'));
  writeFileSync(join(secretsDir, 'dancu-store'), 'store-s3cret');
  writeFileSync(join(secretsDir, 'sector-vaccination'), 'vacc-s3cret\n');
  const secure = { DANCU_KAFKA_SECURITY: 'sasl_ssl', DANCU_KAFKA_BROKERS: 'kafka:9093', DANCU_KAFKA_SECRETS_DIR: secretsDir };

  it('stays plaintext without a login by default', () => {
    expect(kafkaConnection(loadConfig({}))).toEqual({ brokers: ['127.0.0.1:9092'], security: 'plaintext' });
  });

  it('takes a principal’s password from the secrets folder when none is given', () => {
    expect(kafkaConnection(loadConfig({ ...secure, DANCU_KAFKA_USERNAME: 'sector-vaccination' }))).toMatchObject({
      security: 'sasl_ssl',
      username: 'sector-vaccination',
      password: 'vacc-s3cret',
    });
  });

  it('names the variables, never a password, when a secure login is incomplete', () => {
    expect(() => kafkaConnection(loadConfig({ DANCU_KAFKA_SECURITY: 'sasl_ssl', DANCU_KAFKA_USERNAME: 'x' }))).toThrow(
      /needs DANCU_KAFKA_PASSWORD, DANCU_KAFKA_PASSWORD_FILE or DANCU_KAFKA_SECRETS_DIR/,
    );
    expect(() => kafkaConnection(loadConfig({ ...secure, DANCU_KAFKA_USERNAME: 'dancu-linker' }))).toThrow(/holds no password for dancu-linker/);
  });

  it('logs each service in a run in as its own principal', () => {
    const env = serviceEnv('store', { ...secure, DANCU_KAFKA_USERNAME: 'dancu-admin', DANCU_KAFKA_PASSWORD_FILE: '/run/secrets/admin' });
    expect([env.DANCU_KAFKA_USERNAME, env.DANCU_KAFKA_PASSWORD, env.DANCU_KAFKA_PASSWORD_FILE]).toEqual(['dancu-store', 'store-s3cret', undefined]);
  });

  it('lets a service deployed alone keep the login it is given', () => {
    const env = { DANCU_KAFKA_SECURITY: 'sasl_ssl', DANCU_KAFKA_USERNAME: 'dancu-linker', DANCU_KAFKA_PASSWORD_FILE: '/run/secrets/linker' };
    const kafka = (given: NodeJS.ProcessEnv) => [given.DANCU_KAFKA_USERNAME, given.DANCU_KAFKA_PASSWORD, given.DANCU_KAFKA_PASSWORD_FILE];
    expect(kafka(serviceEnv('linker', env))).toEqual(kafka(env));
  });

  it('uses a service’s own password variable over the secrets folder', () => {
    expect(serviceEnv('store', { ...secure, DANCU_STORE_KAFKA_PASSWORD: 'given' }).DANCU_KAFKA_PASSWORD).toBe('given');
  });

  it('leaves the plaintext stack’s services without a login', () => {
    expect(serviceEnv('ingest', { DANCU_KAFKA_BROKERS: 'kafka:9092' }).DANCU_KAFKA_USERNAME).toBeUndefined();
  });
});
