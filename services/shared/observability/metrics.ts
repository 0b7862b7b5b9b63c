import client, { type Registry } from 'prom-client';

/**
 * dancu's metrics: made once in a service's main (or once for all the services `dancu run`
 * starts in one process, which then serve the same set on each port) and passed in like the
 * logger, so a test can give each stage a registry of its own. Names follow Prometheus
 * conventions; the lag gauges use the names kafka_exporter users know. The README,
 * docs/alerts.yml and docs/grafana-dashboard.json name them: a name here is a contract.
 */
export function createMetrics(registry: Registry = new client.Registry()) {
  const registers = [registry];
  return {
    registry,
    eventsIn: new client.Counter({
      name: 'dancu_events_in_total',
      help: 'Messages a stage consumed, by stage and source.',
      labelNames: ['stage', 'source'] as const,
      registers,
    }),
    eventsOut: new client.Counter({
      name: 'dancu_events_out_total',
      help: 'What a stage made of the messages it consumed, by stage, source and outcome.',
      labelNames: ['stage', 'source', 'outcome'] as const,
      registers,
    }),
    decisions: new client.Counter({
      name: 'dancu_decisions_total',
      help: 'Linker decisions by kind (LINK, REVIEW, NEW, UNLINKED) and reason.',
      labelNames: ['kind', 'reason'] as const,
      registers,
    }),
    genericLookupsSkipped: new client.Counter({
      name: 'dancu_generic_lookups_skipped_total',
      help: "Linker candidate lookups that found no candidates because their blocking key was generic (held by more citizens than the rule's max_block_size), by blocking rule.",
      labelNames: ['rule'] as const,
      registers,
    }),
    linkerCandidatesInMemory: new client.Gauge({
      name: 'dancu_linker_candidates_in_memory',
      help: "1 while the linker's candidates come from its copy of the register in memory, 0 while they come from PostgreSQL's key index (DANCU_LINKER_CANDIDATES).",
      registers,
    }),
    stewardDecisions: new client.Counter({
      name: 'dancu_steward_decisions_total',
      help: 'Steward decisions the store applied (or refused), by action and status.',
      labelNames: ['action', 'status'] as const,
      registers,
    }),
    stewardRequests: new client.Counter({
      name: 'dancu_steward_http_requests_total',
      help: 'Steward service requests by route and status code.',
      labelNames: ['route', 'status'] as const,
      registers,
    }),
    transactionsRunAgain: new client.Counter({
      name: 'dancu_transactions_run_again_total',
      help: "Transactions a person started (a steward's request) that PostgreSQL aborted for a concurrent one's sake and that ran again, by SQLSTATE: a rising rate shows transactions meeting in circles of lock waits.",
      labelNames: ['sqlstate'] as const,
      registers,
    }),
    deadLetters: new client.Counter({
      name: 'dancu_dead_letters_total',
      help: 'Messages dead-lettered, by stage and reason code.',
      labelNames: ['stage', 'reason'] as const,
      registers,
    }),
    endToEndLatency: new client.Histogram({
      name: 'dancu_end_to_end_latency_seconds',
      help: 'From a sector event reaching its Kafka topic to its population update being committed.',
      labelNames: ['source'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    storeWrite: new client.Histogram({
      name: 'dancu_store_write_seconds',
      help: 'Duration of one store transaction (a chunk of decisions).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    consumerGroupLag: new client.Gauge({
      name: 'kafka_consumergroup_lag',
      help: 'Messages not yet consumed by the group on the partition (high watermark minus committed offset).',
      labelNames: ['consumergroup', 'topic', 'partition'] as const,
      registers,
    }),
    consumerGroupLagSeconds: new client.Gauge({
      name: 'kafka_consumergroup_lag_seconds',
      help: 'Age of the oldest message the group has not consumed on the partition, in seconds.',
      labelNames: ['consumergroup', 'topic', 'partition'] as const,
      registers,
    }),
    reviewBacklog: new client.Gauge({ name: 'dancu_review_backlog', help: 'Review cases not decided yet.', registers }),
    reviewOldestAge: new client.Gauge({
      name: 'dancu_review_oldest_age_seconds',
      help: 'Age of the oldest review case not decided yet, in seconds.',
      registers,
    }),
    unlinkedBacklog: new client.Gauge({ name: 'dancu_unlinked_backlog', help: 'Sector records waiting for their person to be registered.', registers }),
    outboxBacklog: new client.Gauge({ name: 'dancu_outbox_backlog', help: 'Outbox rows not yet published to Kafka.', registers }),
    registerCitizens: new client.Gauge({ name: 'dancu_register_citizens', help: 'Citizens in the register (merged ones not counted).', registers }),
    registerPassSeconds: new client.Gauge({
      name: 'dancu_register_pass_seconds',
      help: 'Correct and complete: how long the last pass over every citizen took, in seconds (the monitor spaces passes to keep them to DANCU_MONITOR_REGISTER_PASS_MAX_SHARE of its time).',
      registers,
    }),
    registerPassTimestamp: new client.Gauge({
      name: 'dancu_register_pass_timestamp_seconds',
      help: 'Correct and complete: when the last pass over every citizen ended, in seconds since the epoch (their gauges are that old).',
      registers,
    }),
    registerFailingRatio: new client.Gauge({
      name: 'dancu_register_failing_ratio',
      help: 'Correct: share of citizens failing one or more data-quality rules.',
      registers,
    }),
    registerFillRatio: new client.Gauge({
      name: 'dancu_register_fill_ratio',
      help: 'Complete: share of citizens with the field filled.',
      labelNames: ['field'] as const,
      registers,
    }),
    registerFilledBySources: new client.Gauge({
      name: 'dancu_register_filled_by_sources',
      help: 'Complete: citizens whose field a sector filled where the register had no value.',
      labelNames: ['field'] as const,
      registers,
    }),
    registerPossibleDuplicates: new client.Gauge({
      name: 'dancu_register_possible_duplicates',
      help: 'Clean: possible-duplicate pairs of citizens not decided yet.',
      registers,
    }),
    registerLatency: new client.Gauge({
      name: 'dancu_register_latency_seconds',
      help: 'Live: end-to-end latency of the events applied in the last hour, by quantile.',
      labelNames: ['quantile'] as const,
      registers,
    }),
    serviceReady: new client.Gauge({
      name: 'dancu_service_ready',
      help: '1 when the service is ready (its /readyz answers 200), else 0.',
      labelNames: ['service'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const withProcessMetrics = new WeakSet<Registry>();

/** Node's process metrics (CPU, memory, event-loop lag, GC), added once to the registry however many services serve it. */
export function collectProcessMetrics(metrics: Metrics): void {
  if (withProcessMetrics.has(metrics.registry)) return;
  withProcessMetrics.add(metrics.registry);
  client.collectDefaultMetrics({ register: metrics.registry });
}
