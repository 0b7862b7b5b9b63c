import type { Admin, Kafka } from 'kafkajs';
import { measureLag, topicMessageCount, type GroupTopics, type PartitionLag } from '../shared/kafka/lag.js';
import { sourceInputTopics, type Topics } from '../shared/schemas/topics.js';
import { appliedLatency, type Latency } from '../shared/reporting/applied-latency.js';
import { registerBacklog } from '../shared/reporting/backlog.js';
import type { Pool } from '../shared/store/db.js';

export interface ServiceHealth {
  ready: boolean;
  checks: Record<string, { ok: boolean; error?: string }>;
  error?: string;
}

/** What the monitor sees at one moment. */
export interface StatusSample {
  at: number;
  /** Messages and seconds of lag per consumer group (seconds: the partition furthest behind). */
  lagByGroup: Record<string, { messages: number; seconds: number | null }>;
  /** Events per second each stage committed since the previous sample. */
  throughputByStage: Record<string, number>;
  deadLetters: number;
  deadLettersPerSecond: number;
  reviewBacklog: number;
  reviewOldestAgeSeconds: number | null;
  unlinkedBacklog: number;
  outboxBacklog: number;
  /** End-to-end latency of the updates committed in the last minute, in seconds. */
  latency: Latency;
}

export interface PipelineStatus {
  current: StatusSample & { partitions: PartitionLag[]; health: Record<string, ServiceHealth> };
  history: StatusSample[];
}

/** The pipeline's consumer groups and the topics each reads. */
export function pipelineGroupTopics(topics: Topics, groups: { ingest: string; linker: string; store: string }): (GroupTopics & { stage: string })[] {
  return [
    { stage: 'ingest', groupId: groups.ingest, topics: sourceInputTopics(topics) },
    { stage: 'linker', groupId: groups.linker, topics: [topics.observations] },
    { stage: 'store', groupId: groups.store, topics: [topics.decisions, topics.stewardDecisions] },
  ];
}

async function serviceHealth(url: string): Promise<ServiceHealth> {
  try {
    const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3_000) });
    const body = (await response.json()) as { ready: boolean; checks: ServiceHealth['checks'] };
    return { ready: response.ok && body.ready, checks: body.checks ?? {} };
  } catch (error) {
    return { ready: false, checks: {}, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Consumed position of a group, summed over its partitions (the low watermark where it never committed). */
function consumedPosition(partitions: PartitionLag[]): number {
  return partitions.reduce((sum, p) => sum + Number(p.high) - p.lag, 0);
}

/**
 * Takes one sample: lag (Kafka), backlogs and latency (PostgreSQL), and each service's readiness.
 * Throughput and the dead-letter rate come from the difference with the previous sample.
 */
export async function sampleStatus(
  kafka: Kafka,
  admin: Admin,
  pool: Pool,
  topics: Topics,
  groups: (GroupTopics & { stage: string })[],
  services: Record<string, string>,
  previous: (StatusSample & { positions: Record<string, number> }) | null,
): Promise<PipelineStatus['current'] & { positions: Record<string, number> }> {
  const at = Date.now();
  const [partitions, deadLetters, backlog, latency, health] = await Promise.all([
    measureLag(kafka, admin, groups),
    topicMessageCount(admin, topics.deadLetters),
    registerBacklog(pool),
    appliedLatency(pool, 60),
    Promise.all(Object.entries(services).map(async ([name, url]) => [name, await serviceHealth(url)] as const)),
  ]);
  const lagByGroup: StatusSample['lagByGroup'] = {};
  const positions: Record<string, number> = {};
  const throughputByStage: Record<string, number> = {};
  const seconds = previous ? (at - previous.at) / 1000 : 0;
  for (const group of groups) {
    const own = partitions.filter((p) => p.groupId === group.groupId);
    const lagSeconds = own.map((p) => p.lagSeconds).filter((s): s is number => s !== null);
    lagByGroup[group.groupId] = { messages: own.reduce((sum, p) => sum + p.lag, 0), seconds: lagSeconds.length > 0 ? Math.max(...lagSeconds) : null };
    positions[group.stage] = consumedPosition(own);
    const before = previous?.positions[group.stage];
    throughputByStage[group.stage] = before === undefined || seconds <= 0 ? 0 : Math.max(0, (positions[group.stage]! - before) / seconds);
  }
  return {
    at,
    lagByGroup,
    throughputByStage,
    deadLetters,
    deadLettersPerSecond: previous && seconds > 0 ? Math.max(0, (deadLetters - previous.deadLetters) / seconds) : 0,
    reviewBacklog: backlog.recordsInReview + backlog.possibleDuplicates,
    reviewOldestAgeSeconds: backlog.oldestOpenCaseSeconds,
    unlinkedBacklog: backlog.unlinked,
    outboxBacklog: backlog.outboxUnpublished,
    latency,
    partitions,
    health: Object.fromEntries(health),
    positions,
  };
}
