import type { Admin, IHeaders, Kafka, Message, Producer } from 'kafkajs';
import { DLQ_HEADERS } from './dead-letter.js';
import { headerText, readTopicSnapshot, type SnapshotMessage } from './topic-snapshot.js';
import { sourceOfTopic, type Topics } from '../schemas/topics.js';

/** One dead letter as operators see it: where it came from, why it failed, and the original message. */
export interface DeadLetterEntry {
  partition: number;
  offset: string;
  failedAt: string;
  stage: string;
  source: string | null;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  reason: string;
  recordId: string | null;
  /** A captured change's table (`schema.table`), row key and LSN in the sector's database; null for other messages. */
  sourceTable: string | null;
  sourceKey: string | null;
  sourceLsn: string | null;
  /** Set when the letter holds no copy of the message (the broker refused it whole): what was left out and why. */
  valueOmitted: string | null;
  message: string;
  issues: { code: string; path: string; message: string }[];
  original: SnapshotMessage;
}

export interface DeadLetterFilter {
  source?: string;
  reason?: string;
  /** `partition:offset` positions in dlq.v1. */
  positions?: string[];
  sinceMs?: number;
}

function parseIssues(text: string | undefined): DeadLetterEntry['issues'] {
  if (!text) return [];
  try {
    return JSON.parse(text) as DeadLetterEntry['issues'];
  } catch {
    return [];
  }
}

export function toEntry(topics: Topics, letter: SnapshotMessage): DeadLetterEntry {
  const sourceTopic = headerText(letter, DLQ_HEADERS.topic) ?? '';
  const issues = parseIssues(headerText(letter, DLQ_HEADERS.issues));
  return {
    partition: letter.partition,
    offset: letter.offset,
    failedAt: headerText(letter, DLQ_HEADERS.failedAt) ?? '',
    stage: headerText(letter, DLQ_HEADERS.stage) ?? '',
    source: sourceOfTopic(topics, sourceTopic)?.source ?? null,
    sourceTopic,
    sourcePartition: Number(headerText(letter, DLQ_HEADERS.partition) ?? -1),
    sourceOffset: headerText(letter, DLQ_HEADERS.offset) ?? '',
    reason: headerText(letter, DLQ_HEADERS.reason) ?? '',
    recordId: headerText(letter, DLQ_HEADERS.recordId) ?? null,
    sourceTable: headerText(letter, DLQ_HEADERS.sourceTable) ?? null,
    sourceKey: headerText(letter, DLQ_HEADERS.sourceKey) ?? null,
    sourceLsn: headerText(letter, DLQ_HEADERS.sourceLsn) ?? null,
    valueOmitted: headerText(letter, DLQ_HEADERS.valueOmitted) ?? null,
    message: headerText(letter, DLQ_HEADERS.exceptionMessage) ?? '',
    issues,
    original: letter,
  };
}

function matches(entry: DeadLetterEntry, filter: DeadLetterFilter): boolean {
  if (filter.source && entry.source !== filter.source) return false;
  if (filter.reason && entry.reason !== filter.reason && !entry.issues.some((issue) => issue.code === filter.reason)) return false;
  if (filter.positions && !filter.positions.includes(`${entry.partition}:${entry.offset}`)) return false;
  return true;
}

export async function listDeadLetters(kafka: Kafka, admin: Admin, topics: Topics, filter: DeadLetterFilter = {}): Promise<DeadLetterEntry[]> {
  const letters = await readTopicSnapshot(kafka, admin, topics.deadLetters, { sinceMs: filter.sinceMs });
  return letters.map((letter) => toEntry(topics, letter)).filter((entry) => matches(entry, filter));
}

/** The header dancu puts on a replayed message: which dead letter it came from. */
export const REPLAY_HEADER = 'dancu.replay.of';

/** The original message as it was, without what the dead-letter step added, marked as a replay. */
export function replayMessage(entry: DeadLetterEntry): Message {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(entry.original.headers ?? {})) {
    if (name.startsWith('__connect.errors.') || name.startsWith('dancu.errors.') || name === REPLAY_HEADER || value === undefined) continue;
    headers[name] = value;
  }
  headers[REPLAY_HEADER] = `${entry.partition}:${entry.offset}`;
  return { key: entry.original.key, value: entry.original.value, headers };
}

/**
 * Sends dead letters back to the topics they failed on, after a fix. Events carry stable ids
 * (observation and decision ids derive from the source event), so a replay of an event that was
 * already applied changes nothing. A letter without its message (valueOmitted) has nothing to
 * send: its message is in its source topic, at the position the letter names.
 */
export async function replayDeadLetters(producer: Producer, entries: DeadLetterEntry[]): Promise<number> {
  const byTopic = new Map<string, Message[]>();
  for (const entry of entries.filter((e) => e.sourceTopic !== '' && e.valueOmitted === null))
    byTopic.set(entry.sourceTopic, [...(byTopic.get(entry.sourceTopic) ?? []), replayMessage(entry)]);
  if (byTopic.size === 0) return 0;
  await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
  return [...byTopic.values()].reduce((sum, messages) => sum + messages.length, 0);
}
