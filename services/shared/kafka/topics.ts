/** Every Kafka topic dancu reads or writes. Nothing else in the code spells a topic name. */
export interface Topics {
  civilStatus: string;
  observations: string;
  decisions: string;
  populationUpdates: string;
  deadLetters: string;
}

export const TOPIC_BASE_NAMES: Topics = {
  civilStatus: 'sector.civil-status.v1',
  observations: 'person.observations.v1',
  decisions: 'link.decisions.v1',
  populationUpdates: 'population.updates.v1',
  deadLetters: 'dlq.v1',
};

/** Source names as publishers use them (`dancu publish --source civil-status`) mapped to their topic key. */
export const SOURCE_TOPICS = {
  'civil-status': 'civilStatus',
} as const satisfies Record<string, keyof Topics>;

export type SourceName = keyof typeof SOURCE_TOPICS;

/**
 * The topic set, optionally under a namespace prefix so that a test or a demo run can have its own
 * topics on a shared broker (`t-1a2b.sector.civil-status.v1`).
 */
export function topicsFor(namespace = ''): Topics {
  const prefix = namespace ? `${namespace}.` : '';
  const entries = Object.entries(TOPIC_BASE_NAMES).map(([key, name]) => [key, `${prefix}${name}`]);
  return Object.fromEntries(entries) as unknown as Topics;
}

export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
