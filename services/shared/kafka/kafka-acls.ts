/**
 * Least privilege on Kafka: one principal per service and one per sector publisher, and what each
 * may do on which topic and consumer group. Rules as data, as the database's grants are
 * (store/service-roles.ts): acl-apply.ts makes a cluster's ACLs on dancu's topics and groups
 * exactly what this says, and docs/identities.md shows it (a unit test keeps the two equal).
 *
 * READ and WRITE imply DESCRIBE in Kafka, so `describe` lists only what a principal may see and
 * nothing more. Nobody but the super users may create topics or change ACLs: `dancu acl apply`,
 * as the administrator, creates the topics the services then only find.
 */
import { SOURCE_NAMES, SOURCE_TOPICS, TOPIC_BASE_NAMES, type SourceName, type Topics } from '../schemas/topics.js';

/** The services and tools that log in to Kafka, each as its own principal. */
export const KAFKA_SERVICES = ['ingest', 'linker', 'store', 'steward', 'monitor', 'operator'] as const;
export type KafkaService = (typeof KAFKA_SERVICES)[number];

/** The broker's own login between brokers, and the administrator's (topics, ACLs): super users, beyond ACLs. */
export const BROKER_PRINCIPAL = 'dancu-broker';
export const ADMIN_PRINCIPAL = 'dancu-admin';

/** Group id prefix of the throw-away consumers that read offset ranges (topic-snapshot.ts). */
export const READER_GROUP_PREFIX = 'dancu-reader-';

export function servicePrincipal(service: KafkaService): string {
  return `dancu-${service}`;
}

export function sectorPrincipal(source: SourceName): string {
  return `sector-${source}`;
}

/** Every principal the stack gives a SCRAM credential: the super users, the services, the sectors. */
export function kafkaPrincipals(): string[] {
  return [BROKER_PRINCIPAL, ADMIN_PRINCIPAL, ...KAFKA_SERVICES.map(servicePrincipal), ...SOURCE_NAMES.map(sectorPrincipal)];
}

export function isKafkaService(name: string): name is KafkaService {
  return (KAFKA_SERVICES as readonly string[]).includes(name);
}

type TopicKey = keyof Topics;
/** The pipeline's consumer groups (configured: DANCU_<STAGE>_GROUP_ID), the readers' prefix, and a sector's own prefix. */
type GroupKey = 'ingest' | 'linker' | 'store' | 'reader' | 'own';
export type GroupOperation = 'read' | 'describe' | 'delete';

export interface PrincipalAccess {
  read: TopicKey[];
  write: TopicKey[];
  describe: TopicKey[];
  groups: Partial<Record<GroupKey, GroupOperation[]>>;
}

const FEEDBACK: TopicKey[] = SOURCE_NAMES.map((source) => SOURCE_TOPICS[source].feedback);
const SOURCE_INPUTS: TopicKey[] = SOURCE_NAMES.flatMap((source) => [SOURCE_TOPICS[source].events, SOURCE_TOPICS[source].cdc]);
const PIPELINE_GROUPS = { ingest: ['describe'], linker: ['describe'], store: ['describe'] } satisfies PrincipalAccess['groups'];

/**
 * What each service may do. Ingest reads what the sectors publish and writes observations, dead
 * letters and the sectors' feedback; the linker turns observations into decisions; the store
 * applies the linker's and the stewards' decisions and writes what its outbox holds (population
 * updates, observations it sends back to be linked again, and the feedback of a record a steward
 * rejected); the steward service writes only steward decisions. The monitor reads the topics
 * whose lag it measures (lag in seconds is the age of the oldest unread message, which only
 * reading it tells) with throw-away reader groups; operators' tools see topics and groups, their
 * offsets and lag in messages, and read no message. Every service may dead-letter what it cannot
 * process or publish.
 */
export const SERVICE_ACCESS: Record<KafkaService, PrincipalAccess> = {
  ingest: { read: SOURCE_INPUTS, write: ['observations', ...FEEDBACK, 'deadLetters'], describe: [], groups: { ingest: ['read'] } },
  linker: { read: ['observations'], write: ['decisions', 'deadLetters'], describe: [], groups: { linker: ['read'] } },
  store: {
    read: ['decisions', 'stewardDecisions'],
    write: ['populationUpdates', 'observations', ...FEEDBACK, 'deadLetters'],
    describe: [],
    groups: { store: ['read'] },
  },
  steward: { read: [], write: ['stewardDecisions', 'deadLetters'], describe: [], groups: {} },
  monitor: {
    read: [...SOURCE_INPUTS, 'observations', 'decisions', 'stewardDecisions'],
    write: [],
    describe: ['deadLetters'],
    groups: { ...PIPELINE_GROUPS, reader: ['read', 'delete'] },
  },
  // The readers' groups only described: a read it may not do is then refused as such (not as a coordinator not found).
  operator: { read: [], write: [], describe: Object.keys(TOPIC_BASE_NAMES) as TopicKey[], groups: { ...PIPELINE_GROUPS, reader: ['describe'] } },
};

/** A sector publishes its events and its change-data capture, and reads only its own feedback, with groups named after it. */
export function sectorAccess(source: SourceName): PrincipalAccess {
  const topics = SOURCE_TOPICS[source];
  return { read: [topics.feedback], write: [topics.events, topics.cdc], describe: [], groups: { own: ['read'] } };
}

/** Every principal that ACLs name, with what it may do. */
export function principalAccess(): [principal: string, access: PrincipalAccess][] {
  return [
    ...KAFKA_SERVICES.map((service): [string, PrincipalAccess] => [servicePrincipal(service), SERVICE_ACCESS[service]]),
    ...SOURCE_NAMES.map((source): [string, PrincipalAccess] => [sectorPrincipal(source), sectorAccess(source)]),
  ];
}

/** One ALLOW rule, for every host. */
export interface KafkaAcl {
  principal: string;
  resourceType: 'topic' | 'group';
  pattern: 'literal' | 'prefixed';
  name: string;
  operation: 'read' | 'write' | 'describe' | 'delete';
}

export interface AclTarget {
  topics: Topics;
  /** The pipeline's consumer group ids. */
  groups: { ingest: string; linker: string; store: string };
  /** DANCU_TOPIC_NAMESPACE: a sector's own groups are under it too. */
  namespace: string;
}

function groupResource(key: GroupKey, principal: string, target: AclTarget): Pick<KafkaAcl, 'name' | 'pattern'> {
  if (key === 'reader') return { name: READER_GROUP_PREFIX, pattern: 'prefixed' };
  if (key === 'own') return { name: `${target.namespace ? `${target.namespace}.` : ''}${principal}`, pattern: 'prefixed' };
  return { name: target.groups[key], pattern: 'literal' };
}

/** The map as ACL rules for one deployment's topic names and group ids. */
export function kafkaAcls(target: AclTarget): KafkaAcl[] {
  return principalAccess().flatMap(([principal, access]) => {
    const topic = (operation: KafkaAcl['operation']) => (key: TopicKey) =>
      ({ principal, resourceType: 'topic', pattern: 'literal', name: target.topics[key], operation }) satisfies KafkaAcl;
    const groups = Object.entries(access.groups).flatMap(([key, operations]) =>
      operations.map((operation): KafkaAcl => ({ principal, resourceType: 'group', ...groupResource(key as GroupKey, principal, target), operation })),
    );
    return [...access.read.map(topic('read')), ...access.write.map(topic('write')), ...access.describe.map(topic('describe')), ...groups];
  });
}
