import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka, kafkaConnection } from '../shared/kafka/client.js';
import { oldestUnconsumedSeconds } from '../shared/kafka/lag.js';
import { topicsFor } from '../shared/schemas/topics.js';
import type { Logger } from '../shared/observability/logger.js';
import { startObservabilityServer, type Route } from '../shared/observability/http-server.js';
import type { Metrics } from '../shared/observability/metrics.js';
import { REPO_ROOT } from '../shared/paths.js';
import type { RunningService } from '../shared/service/stage-service.js';
import { registerFlow, registerPass, type RegisterFlow, type RegisterPass } from '../shared/reporting/register-quality.js';
import { createPool, postgresCheck } from '../shared/store/db.js';
import { watchedServices, type MonitorConfig } from './config.js';
import { pipelineGroupTopics, sampleStatus, type PipelineStatus, type StatusSample } from './pipeline-status.js';
import { RegisterQualityWatch } from './register-quality-watch.js';

const DASHBOARD_FILE = join(REPO_ROOT, 'services', 'monitor', 'dashboard.html');

function publishGauges(metrics: Metrics, status: PipelineStatus['current']): void {
  metrics.consumerGroupLag.reset();
  metrics.consumerGroupLagSeconds.reset();
  for (const p of status.partitions) {
    const labels = { consumergroup: p.groupId, topic: p.topic, partition: String(p.partition) };
    metrics.consumerGroupLag.set(labels, p.lag);
    if (p.lagSeconds !== null) metrics.consumerGroupLagSeconds.set(labels, p.lagSeconds);
  }
  metrics.reviewBacklog.set(status.reviewBacklog);
  metrics.reviewOldestAge.set(status.reviewOldestAgeSeconds ?? 0);
  metrics.unlinkedBacklog.set(status.unlinkedBacklog);
  metrics.outboxBacklog.set(status.outboxBacklog);
  for (const [service, health] of Object.entries(status.health)) metrics.serviceReady.set({ service }, health.ready ? 1 : 0);
}

function publishPass(metrics: Metrics, pass: RegisterPass): void {
  metrics.registerCitizens.set(pass.citizens);
  metrics.registerPassSeconds.set(pass.seconds);
  metrics.registerPassTimestamp.set(Date.parse(pass.measuredAt) / 1000);
  metrics.registerFailingRatio.set(pass.correct.failingShare);
  for (const field of pass.complete) {
    metrics.registerFillRatio.set({ field: field.field }, field.fillRate);
    metrics.registerFilledBySources.set({ field: field.field }, field.filledBySources);
  }
}

function publishFlow(metrics: Metrics, flow: RegisterFlow): void {
  metrics.registerPossibleDuplicates.set(flow.clean.possibleDuplicatePairs);
  for (const [quantile, value] of [
    ['0.5', flow.live.p50Seconds],
    ['0.95', flow.live.p95Seconds],
    ['0.99', flow.live.p99Seconds],
  ] as const) {
    if (value !== null) metrics.registerLatency.set({ quantile }, value);
  }
}

/**
 * The monitor: samples the pipeline every interval (lag per group and partition in messages and
 * seconds, throughput per stage, dead letters, review, unlinked and outbox backlogs, end-to-end
 * latency, each service's readiness), keeps the last hour in memory, exports it as Prometheus
 * gauges, and serves the dashboard page and its JSON.
 */
export async function startMonitor(config: MonitorConfig, logger: Logger, metrics: Metrics): Promise<RunningService> {
  const topics = topicsFor(config.DANCU_TOPIC_NAMESPACE);
  const kafka = createKafka(kafkaConnection(config), 'dancu-monitor', logger);
  const admin = kafka.admin();
  await admin.connect();
  // Three: the status sample's two statements at once, and the pass over the register beside them.
  const pool = createPool(config.DATABASE_URL, 3);
  const groups = pipelineGroupTopics(topics, {
    ingest: config.DANCU_INGEST_GROUP_ID,
    linker: config.DANCU_LINKER_GROUP_ID,
    store: config.DANCU_STORE_GROUP_ID,
  });
  const services = watchedServices(config);
  const keep = Math.ceil((config.DANCU_MONITOR_HISTORY_MINUTES * 60_000) / config.DANCU_MONITOR_INTERVAL_MS);
  const history: StatusSample[] = [];
  let current: Awaited<ReturnType<typeof sampleStatus>> | null = null;
  let running = true;

  const loop = (async () => {
    while (running) {
      try {
        const {
          partitions: _partitions,
          health: _health,
          positions: _positions,
          ...sample
        } = (current = await sampleStatus(kafka, admin, pool, topics, groups, services, current));
        history.push(sample);
        if (history.length > keep) history.splice(0, history.length - keep);
        publishGauges(metrics, current);
      } catch (error) {
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'monitor sample failed');
      }
      await sleep(config.DANCU_MONITOR_INTERVAL_MS);
    }
  })();

  const latest = () => current;
  // Loops of their own: a pass over every citizen takes seconds on a national register, and the
  // lag samples must not wait for it.
  const quality = new RegisterQualityWatch({
    measurePass: () => registerPass(pool),
    measureFlow: () => registerFlow(pool, { sinceSeconds: 3_600, oldestWaitingSeconds: oldestUnconsumedSeconds(latest()?.partitions ?? []) }),
    publishPass: (pass) => publishPass(metrics, pass),
    publishFlow: (flow) => publishFlow(metrics, flow),
    intervalMs: config.DANCU_MONITOR_QUALITY_INTERVAL_MS,
    passMaxShare: config.DANCU_MONITOR_REGISTER_PASS_MAX_SHARE,
    logger,
  });
  const qualityLoops = quality.run(() => running);

  const routes: Route[] = [
    async (_request, response, url) => {
      if (url.pathname !== '/' && url.pathname !== '/dashboard') return false;
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(readFileSync(DASHBOARD_FILE, 'utf8'));
      return true;
    },
    async (_request, response, url) => {
      if (url.pathname !== '/api/status') return false;
      const body: PipelineStatus | { current: null; history: [] } = current
        ? { current: { ...current, positions: undefined } as PipelineStatus['current'], history }
        : { current: null, history: [] };
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify({ ...body, quality: quality.current(), intervalMs: config.DANCU_MONITOR_INTERVAL_MS, groups }));
      return true;
    },
  ];
  const server = await startObservabilityServer({
    service: 'monitor',
    host: config.DANCU_HTTP_HOST,
    port: config.DANCU_MONITOR_HTTP_PORT,
    logger,
    metrics,
    routes,
    checks: [{ name: 'kafka', probe: async () => void (await admin.describeCluster()) }, postgresCheck(pool)],
  });
  logger.info({ port: server.port, services }, 'monitor started');
  return {
    name: 'monitor',
    httpPort: server.port,
    async stop() {
      running = false;
      await Promise.all([loop, qualityLoops]);
      await server.close();
      await admin.disconnect();
      await pool.end();
    },
  };
}
