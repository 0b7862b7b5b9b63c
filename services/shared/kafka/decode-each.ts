import { asDancuError } from '../errors.js';
import type { SchemaRegistryClient } from './registry.js';
import type { Outcome, StageMessage } from './stage-runner.js';

/**
 * Runs `work` on each message on its own: a message that can never be processed gets a failed
 * outcome (to be dead-lettered) and a null result; a retriable failure stops the whole chunk.
 */
export async function eachMessage<T>(
  messages: StageMessage[],
  work: (message: StageMessage) => Promise<T>,
): Promise<{ results: (T | null)[]; outcomes: Outcome[] }> {
  const results: (T | null)[] = [];
  const outcomes: Outcome[] = [];
  for (const message of messages) {
    try {
      results.push(await work(message));
      outcomes.push({ ok: true });
    } catch (error) {
      const dancuError = asDancuError(error, { topic: message.topic, partition: message.partition, offset: message.offset });
      if (dancuError.retriable) throw dancuError;
      results.push(null);
      outcomes.push({ ok: false, error: dancuError });
    }
  }
  return { results, outcomes };
}

/** Decodes each message's value through the registry (see eachMessage for failures). */
export function decodeEach<T>(registry: SchemaRegistryClient, messages: StageMessage[]) {
  return eachMessage(messages, (message) => registry.decode<T>(message.value));
}

export function present<T>(values: (T | null)[]): T[] {
  return values.filter((value): value is T => value !== null);
}
