import client from 'prom-client';

/**
 * dancu's metrics, one set per process (prom-client keeps them in its default registry, which
 * every service in the process shares: `dancu run` serves them on each service's port). Names
 * follow Prometheus conventions; the lag gauges use the names kafka_exporter users know.
 */
const register = client.register;
let defaultsCollected = false;

function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export const metrics = {
  eventsIn: once('dancu_events_in_total', () => new client.Counter({ name: 'dancu_events_in_total', help: 'Messages a stage consumed, by stage and source.', labelNames: ['stage', 'source'] as const })),
  eventsOut: once('dancu_events_out_total', () => new client.Counter({ name: 'dancu_events_out_total', help: 'What a stage made of the messages it consumed, by stage, source and outcome.', labelNames: ['stage', 'source', 'outcome'] as const })),
  decisions: once('dancu_decisions_total', () => new client.Counter({ name: 'dancu_decisions_total', help: 'Linker decisions by kind (LINK, REVIEW, NEW, UNLINKED) and reason.', labelNames: ['kind', 'reason'] as const })),
  stewardDecisions: once('dancu_steward_decisions_total', () => new client.Counter({ name: 'dancu_steward_decisions_total', help: 'Steward decisions the store applied (or refused), by action and status.', labelNames: ['action', 'status'] as const })),
  stewardRequests: once('dancu_steward_http_requests_total', () => new client.Counter({ name: 'dancu_steward_http_requests_total', help: 'Steward service requests by route and status code.', labelNames: ['route', 'status'] as const })),
  deadLetters: once('dancu_dead_letters_total', () => new client.Counter({ name: 'dancu_dead_letters_total', help: 'Messages dead-lettered, by stage and reason code.', labelNames: ['stage', 'reason'] as const })),
  endToEndLatency: once('dancu_end_to_end_latency_seconds', () => new client.Histogram({
    name: 'dancu_end_to_end_latency_seconds',
    help: 'From a sector event reaching its Kafka topic to its population update being committed.',
    labelNames: ['source'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
  })),
  storeWrite: once('dancu_store_write_seconds', () => new client.Histogram({ name: 'dancu_store_write_seconds', help: 'Duration of one store transaction (a chunk of decisions).', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] })),
  consumerGroupLag: once('kafka_consumergroup_lag', () => new client.Gauge({ name: 'kafka_consumergroup_lag', help: 'Messages not yet consumed by the group on the partition (high watermark minus committed offset).', labelNames: ['consumergroup', 'topic', 'partition'] as const })),
  consumerGroupLagSeconds: once('kafka_consumergroup_lag_seconds', () => new client.Gauge({ name: 'kafka_consumergroup_lag_seconds', help: 'Age of the oldest message the group has not consumed on the partition, in seconds.', labelNames: ['consumergroup', 'topic', 'partition'] as const })),
  reviewBacklog: once('dancu_review_backlog', () => new client.Gauge({ name: 'dancu_review_backlog', help: 'Review cases not decided yet.' })),
  reviewOldestAge: once('dancu_review_oldest_age_seconds', () => new client.Gauge({ name: 'dancu_review_oldest_age_seconds', help: 'Age of the oldest review case not decided yet, in seconds.' })),
  unlinkedBacklog: once('dancu_unlinked_backlog', () => new client.Gauge({ name: 'dancu_unlinked_backlog', help: 'Sector records waiting for their person to be registered.' })),
  outboxBacklog: once('dancu_outbox_backlog', () => new client.Gauge({ name: 'dancu_outbox_backlog', help: 'Outbox rows not yet published to Kafka.' })),
  registerCitizens: once('dancu_register_citizens', () => new client.Gauge({ name: 'dancu_register_citizens', help: 'Citizens in the register (merged ones not counted).' })),
  registerFailingRatio: once('dancu_register_failing_ratio', () => new client.Gauge({ name: 'dancu_register_failing_ratio', help: 'Correct: share of citizens failing one or more data-quality rules.' })),
  registerFillRatio: once('dancu_register_fill_ratio', () => new client.Gauge({ name: 'dancu_register_fill_ratio', help: 'Complete: share of citizens with the field filled.', labelNames: ['field'] as const })),
  registerFilledBySources: once('dancu_register_filled_by_sources', () => new client.Gauge({ name: 'dancu_register_filled_by_sources', help: 'Complete: citizens whose field a sector filled where the register had no value.', labelNames: ['field'] as const })),
  registerPossibleDuplicates: once('dancu_register_possible_duplicates', () => new client.Gauge({ name: 'dancu_register_possible_duplicates', help: 'Clean: possible-duplicate pairs of citizens not decided yet.' })),
  registerLatency: once('dancu_register_latency_seconds', () => new client.Gauge({ name: 'dancu_register_latency_seconds', help: 'Live: end-to-end latency of the events applied in the last hour, by quantile.', labelNames: ['quantile'] as const })),
  serviceReady: once('dancu_service_ready', () => new client.Gauge({ name: 'dancu_service_ready', help: '1 when the service is ready (its /readyz answers 200), else 0.', labelNames: ['service'] as const })),
};

/** Node's process metrics (CPU, memory, event-loop lag, GC), once per process. */
export function collectDefaultMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  client.collectDefaultMetrics({ register });
}

export function metricsText(): Promise<string> {
  return register.metrics();
}

export const METRICS_CONTENT_TYPE = register.contentType;
