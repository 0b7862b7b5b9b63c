import type { Admin, Kafka } from 'kafkajs';
import { SOURCE_NAMES, SOURCE_TOPICS, type SourceName, type Topics } from '../schemas/topics.js';
import { readTopicSnapshot } from '../kafka/topic-snapshot.js';
import { loadRecordSchema } from '../schemas/avro-files.js';
import type { Rejection } from '../schemas/records.js';
import type { Pool } from '../store/db.js';
import { registerBacklog } from './backlog.js';

/** One source's figures over a period: what it sent, what became of it, and what was wrong with it. */
export interface SourceQuality {
  source: SourceName;
  /** Messages on the source's topics (events and change data), replays included. */
  received: number;
  /** Distinct events the store applied in some way (each counted once, by its latest outcome). */
  applied: number;
  created: number;
  linked: number;
  deleted: number;
  review: number;
  /** Unlinked now and waiting for their person to be registered. */
  unlinkedWaiting: number;
  /** Kept unlinked first and linked later, when their person appeared. */
  linkedLater: number;
  rejected: number;
  rejectedByRule: Record<string, number>;
  findingsByRule: Record<string, number>;
  fieldsFilled: number;
}

async function messagesSince(admin: Admin, topic: string, sinceMs: number | undefined): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  const starts = sinceMs === undefined ? null : await admin.fetchTopicOffsetsByTimestamp(topic, sinceMs);
  return ends.reduce((sum, end) => {
    const start = starts?.find((s) => s.partition === end.partition);
    const from = start === undefined ? Number(end.low) : start.offset === '-1' ? Number(end.high) : Math.max(Number(start.offset), Number(end.low));
    return sum + Number(end.high) - from;
  }, 0);
}

/** Rejections told to a source, decoded from its feedback topic (Confluent wire format: 5 header bytes, then Avro). */
async function rejectionsSince(kafka: Kafka, admin: Admin, topic: string, sinceMs: number | undefined): Promise<Rejection[]> {
  const type = loadRecordSchema('rejection').type;
  const messages = await readTopicSnapshot(kafka, admin, topic, { sinceMs });
  return messages.flatMap((message) => (message.value && message.value.length > 5 ? [type.fromBuffer(message.value.subarray(5)) as Rejection] : []));
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort((a, b) => b[1] - a[1]));
}

/** The soft findings of a window of time by source and rule: read through migration 038's BRIN index on the time. */
export const FINDINGS_SINCE_QUERY = 'select source, code, count(*) as n from quality_findings where found_at >= $1 group by source, code order by n desc';

/**
 * The quality report: per source, counts from Kafka (received; rejections from the feedback
 * topic) and from the store (outcomes, findings, fields filled), over everything or since a time.
 */
export async function qualityReport(
  kafka: Kafka,
  admin: Admin,
  pool: Pool,
  topics: Topics,
  options: { sources?: SourceName[]; sinceMs?: number } = {},
): Promise<SourceQuality[]> {
  const since = options.sinceMs === undefined ? new Date(0) : new Date(options.sinceMs);
  const [outcomes, findings, backlog] = await Promise.all([
    pool.query<{ source: string; outcome: string; n: string; filled: string; later: string }>(
      `with latest as (
         select distinct on (observation_id) observation_id, source, outcome, citizen_id
           from observation_outcomes where applied_at >= $1 order by observation_id, applied_at desc, decision_id desc),
       filled as (select source, sum(fields_filled) as filled from observation_outcomes where applied_at >= $1 group by source),
       later as (select source, count(*) as later from unlinked_records where resolution = 'LINKED' and resolved_at >= $1 group by source)
       select l.source, l.outcome, count(*) as n, coalesce(max(f.filled), 0) as filled, coalesce(max(la.later), 0) as later
         from latest l left join filled f using (source) left join later la using (source) group by l.source, l.outcome`,
      [since],
    ),
    pool.query<{ source: string; code: string; n: string }>(FINDINGS_SINCE_QUERY, [since]),
    registerBacklog(pool),
  ]);

  const report: SourceQuality[] = [];
  for (const source of options.sources ?? SOURCE_NAMES) {
    const names = SOURCE_TOPICS[source];
    const received = (await messagesSince(admin, topics[names.events], options.sinceMs)) + (await messagesSince(admin, topics[names.cdc], options.sinceMs));
    const rejections = await rejectionsSince(kafka, admin, topics[names.feedback], options.sinceMs);
    const own = outcomes.rows.filter((row) => row.source === source);
    const by = (outcome: string) => Number(own.find((row) => row.outcome === outcome)?.n ?? 0);
    report.push({
      source,
      received,
      applied: own.reduce((sum, row) => sum + Number(row.n), 0),
      created: by('CREATED'),
      linked: by('LINKED'),
      deleted: by('DELETED'),
      review: by('REVIEW'),
      unlinkedWaiting: backlog.unlinkedBySource[source] ?? 0,
      linkedLater: Number(own[0]?.later ?? 0),
      rejected: rejections.length,
      rejectedByRule: countBy(rejections.flatMap((rejection) => [...new Set(rejection.rules.map((rule) => rule.code))])),
      findingsByRule: Object.fromEntries(findings.rows.filter((row) => row.source === source).map((row) => [row.code, Number(row.n)])),
      fieldsFilled: Number(own[0]?.filled ?? 0),
    });
  }
  return report;
}

/** The report as text, one block per source. */
export function formatQualityReport(report: SourceQuality[]): string[] {
  const lines: string[] = [];
  const top = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ') || '-';
  for (const q of report) {
    lines.push(`${q.source}`);
    lines.push(`  received        ${q.received}`);
    lines.push(
      `  applied         ${q.applied}  (created ${q.created}, linked ${q.linked}, deleted ${q.deleted}, review ${q.review}, unlinked ${q.applied - q.created - q.linked - q.deleted - q.review})`,
    );
    lines.push(`  unlinked now    ${q.unlinkedWaiting} waiting; ${q.linkedLater} linked later when their person appeared`);
    lines.push(`  rejected        ${q.rejected}  by rule: ${top(q.rejectedByRule)}`);
    lines.push(`  soft findings   ${Object.values(q.findingsByRule).reduce((a, b) => a + b, 0)}  by rule: ${top(q.findingsByRule)}`);
    lines.push(`  fields filled   ${q.fieldsFilled}`);
  }
  return lines;
}
