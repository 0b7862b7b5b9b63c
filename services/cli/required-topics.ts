import type { Admin } from 'kafkajs';
import { ConfigError } from '../shared/errors.js';

/**
 * What a command that reads or sends on the pipeline's topics says when they are not there, in
 * one line: asking Kafka for a missing topic's offsets is retried by kafkajs for minutes and ends
 * in its own words ("This server does not host this topic-partition").
 */
export function missingTopicsError(missing: readonly string[], why: string): ConfigError {
  // A topic this login may not describe is missing from the broker's list too: the line says both.
  const named =
    missing.length === 1
      ? `the Kafka topic ${missing[0]!} does not exist or this login cannot see it`
      : `the Kafka topics ${missing.join(', ')} do not exist or this login cannot see them`;
  return new ConfigError(
    `${named} (${why}): start the pipeline once with \`npx dancu run\` (each service creates its topics), or on a secure broker \`npx dancu acl apply\` as an administrator; check DANCU_TOPIC_NAMESPACE if the pipeline runs under another`,
  );
}

/** Refuses, in one line and at once, when any of `topics` is missing (or hidden from this login). */
export async function requireTopics(admin: Admin, topics: readonly string[], why: string): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length > 0) throw missingTopicsError(missing, why);
}
