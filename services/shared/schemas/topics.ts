/**
 * Every Kafka topic dancu reads or writes. Nothing else in the code spells a topic name.
 * A type rather than an interface so that `Object.values(topics)` is a `string[]`.
 */
export type Topics = {
  civilStatus: string;
  vaccination: string;
  socialWelfare: string;
  driverLicence: string;
  civilStatusCdc: string;
  vaccinationCdc: string;
  socialWelfareCdc: string;
  driverLicenceCdc: string;
  observations: string;
  decisions: string;
  stewardDecisions: string;
  populationUpdates: string;
  deadLetters: string;
  feedbackCivilStatus: string;
  feedbackVaccination: string;
  feedbackSocialWelfare: string;
  feedbackDriverLicence: string;
};

export const TOPIC_BASE_NAMES: Topics = {
  civilStatus: 'sector.civil-status.v1',
  vaccination: 'sector.vaccination.v1',
  socialWelfare: 'sector.social-welfare.v1',
  driverLicence: 'sector.driver-licence.v1',
  civilStatusCdc: 'cdc.civil-status.v1',
  vaccinationCdc: 'cdc.vaccination.v1',
  socialWelfareCdc: 'cdc.social-welfare.v1',
  driverLicenceCdc: 'cdc.driver-licence.v1',
  observations: 'person.observations.v1',
  decisions: 'link.decisions.v1',
  stewardDecisions: 'steward.decisions.v1',
  populationUpdates: 'population.updates.v1',
  deadLetters: 'dlq.v1',
  feedbackCivilStatus: 'feedback.civil-status.v1',
  feedbackVaccination: 'feedback.vaccination.v1',
  feedbackSocialWelfare: 'feedback.social-welfare.v1',
  feedbackDriverLicence: 'feedback.driver-licence.v1',
};

/**
 * Each source's topics by their key in Topics: where it publishes events in dancu's schema,
 * where its Debezium connector publishes change events of its own tables, and where dancu
 * tells it what it rejected.
 */
export const SOURCE_TOPICS = {
  'civil-status': { events: 'civilStatus', cdc: 'civilStatusCdc', feedback: 'feedbackCivilStatus' },
  vaccination: { events: 'vaccination', cdc: 'vaccinationCdc', feedback: 'feedbackVaccination' },
  'social-welfare': { events: 'socialWelfare', cdc: 'socialWelfareCdc', feedback: 'feedbackSocialWelfare' },
  'driver-licence': { events: 'driverLicence', cdc: 'driverLicenceCdc', feedback: 'feedbackDriverLicence' },
} as const satisfies Record<string, { events: keyof Topics; cdc: keyof Topics; feedback: keyof Topics }>;

export type SourceName = keyof typeof SOURCE_TOPICS;

export const SOURCE_NAMES = Object.keys(SOURCE_TOPICS) as SourceName[];

export function isSourceName(name: string): name is SourceName {
  return name in SOURCE_TOPICS;
}

/**
 * The topic set, optionally under a namespace prefix so that a test or a demo run can have its own
 * topics on a shared broker (`t-1a2b.sector.civil-status.v1`).
 */
export function topicsFor(namespace = ''): Topics {
  const prefix = namespace ? `${namespace}.` : '';
  const entries = Object.entries(TOPIC_BASE_NAMES).map(([key, name]) => [key, `${prefix}${name}`]);
  return Object.fromEntries(entries) as unknown as Topics;
}

/** Every topic a source publishes into (events and change-data capture): what ingest reads. */
export function sourceInputTopics(topics: Topics): string[] {
  return SOURCE_NAMES.flatMap((source) => [topics[SOURCE_TOPICS[source].events], topics[SOURCE_TOPICS[source].cdc]]);
}

/** Which source, and in which form, a topic of the set carries; null for a topic no source publishes to. */
export function sourceOfTopic(topics: Topics, topic: string): { source: SourceName; form: 'events' | 'cdc' } | null {
  for (const source of SOURCE_NAMES) {
    if (topics[SOURCE_TOPICS[source].events] === topic) return { source, form: 'events' };
    if (topics[SOURCE_TOPICS[source].cdc] === topic) return { source, form: 'cdc' };
  }
  return null;
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

type OutboxSchemas = [topic: string, record: 'populationUpdate' | 'personObservation' | 'stewardDecision' | 'rejection'][];

/**
 * What the store writes to the outbox and its relay publishes: population updates, observations
 * it sends back to be linked again, and the feedback on a record a steward rejected.
 */
export function storeOutboxSchemas(topics: Topics): OutboxSchemas {
  return [
    [topics.populationUpdates, 'populationUpdate'],
    [topics.observations, 'personObservation'],
    ...SOURCE_NAMES.map((source) => [topics[SOURCE_TOPICS[source].feedback], 'rejection'] as [string, 'rejection']),
  ];
}

/** What the steward service writes to the outbox and its relay publishes: the stewards' decisions. */
export function stewardOutboxSchemas(topics: Topics): OutboxSchemas {
  return [[topics.stewardDecisions, 'stewardDecision']];
}

/** Every topic the outbox relays to, with its value schema: each service's relay publishes its own rows. */
export function outboxTopicSchemas(topics: Topics): OutboxSchemas {
  return [...storeOutboxSchemas(topics), ...stewardOutboxSchemas(topics)];
}
