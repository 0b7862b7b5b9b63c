import type { Message } from 'kafkajs';
import { asDancuError, DancuError, DecodeError, type ErrorContext } from '../shared/errors.js';
import { eachMessage, present } from '../shared/kafka/decode-each.js';
import type { Outcome, Stage, StageMessage } from '../shared/kafka/stage-runner.js';
import { SOURCE_TOPICS, sourceOfTopic } from '../shared/schemas/topics.js';
import type { Logger } from '../shared/observability/logger.js';
import type { SchemaRegistryClient } from '../shared/kafka/registry.js';
import type { PersonObservation, Rejection } from '../shared/schemas/records.js';
import type { StageContext } from '../shared/service/stage-service.js';
import { changeOrigin, debeziumToEvent, loadDebeziumMappings, observationIdentity, type DebeziumMappings } from '../shared/sources/debezium.js';
import { observationKey, toObservation } from '../shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../shared/sources/source-adapters.js';

export interface IngestOptions {
  maxEventBytes: number;
  mappings?: DebeziumMappings;
  now?: () => Date;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A change-data message: registry Avro when it starts with the magic byte, else JSON text (strict UTF-8). */
async function decodeCdc(registry: SchemaRegistryClient, bytes: Buffer): Promise<unknown> {
  // Avro records decode as instances of generated classes; the envelope check wants plain objects.
  if (bytes[0] === 0) return structuredClone(await registry.decodeForeign<unknown>(bytes));
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new DancuError('TEXT_INVALID_UTF8', 'the change-data message is not valid UTF-8', { retriable: false });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DecodeError('the change-data message is neither registry Avro nor JSON', error);
  }
}

/** Where a captured change comes from in the sector's database, as error context (a dead letter's headers, the feedback). */
function changeContext(decoded: unknown, key: Buffer | null): ErrorContext {
  const origin = changeOrigin(decoded, key);
  return { sourceTable: origin.table ?? undefined, sourceKey: origin.key ?? undefined, sourceLsn: origin.lsn ?? undefined };
}

/**
 * Ingest: every source's events (dancu's Avro schemas) and change-data (Debezium) topics in one
 * consumer group. Each event is decoded, validated against its source's rules and normalised
 * into a canonical observation. A rejected event becomes a dead letter with every reason, and
 * its publisher is told on its feedback topic; the others are produced (and acknowledged) before
 * the stage reports them done. A Debezium tombstone (compaction marker, no value) is no event: it
 * is acknowledged and logged.
 */
export function createIngestStage(context: StageContext, options: IngestOptions): Stage {
  const { registry, producer, topics, schemaIds, logger, metrics } = context;
  const observationSchemaId = schemaIds.get(topics.observations);
  if (observationSchemaId === undefined) throw new Error('ingest needs the observation schema registered');
  const mappings = options.mappings ?? loadDebeziumMappings();
  const now = options.now ?? (() => new Date());
  const log: Logger = logger.child({ component: 'ingest-stage' });

  const observe = async (message: StageMessage): Promise<Message | null> => {
    const origin = sourceOfTopic(topics, message.topic);
    if (!origin) throw new DancuError('UNKNOWN_TOPIC', `ingest does not read topic ${message.topic}`, { retriable: false });
    const position: ErrorContext = { topic: message.topic, partition: message.partition, offset: message.offset };
    metrics.eventsIn.inc({ stage: 'ingest', source: origin.source });
    if (message.value === null || message.value.length === 0) {
      if (origin.form === 'cdc') {
        log.info(position, 'change-data tombstone skipped');
        metrics.eventsOut.inc({ stage: 'ingest', source: origin.source, outcome: 'tombstone' });
        return null;
      }
      throw new DecodeError('the message has no value');
    }
    if (message.value.length > options.maxEventBytes) {
      // Still read who sent it, so the publisher's feedback names the record.
      const decoded = await (origin.form === 'events' ? registry.decode<unknown>(message.value) : decodeCdc(registry, message.value)).catch(() => null);
      const event = (decoded ?? {}) as { source_record_id?: unknown; source_system?: unknown };
      throw new DancuError('PAYLOAD_TOO_LARGE', `the event has ${message.value.length} bytes; the limit is ${options.maxEventBytes}`, {
        retriable: false,
        context: {
          recordId: typeof event.source_record_id === 'string' ? event.source_record_id : undefined,
          sourceSystem: typeof event.source_system === 'string' ? event.source_system : undefined,
          ...(origin.form === 'cdc' ? changeContext(decoded, message.key) : {}),
        },
      });
    }
    const adapter = SOURCE_ADAPTERS[origin.source];
    const at = { topic: message.topic, partition: message.partition, offset: message.offset, timestamp: message.timestamp };
    let observation: PersonObservation;
    if (origin.form === 'events') {
      observation = toObservation(adapter, await registry.decode<unknown>(message.value), at, now());
    } else {
      let change: unknown = null;
      try {
        change = await decodeCdc(registry, message.value);
        const event = debeziumToEvent(adapter, mappings, change, position);
        observation = toObservation(adapter, event, at, now(), observationIdentity(change));
      } catch (error) {
        throw asDancuError(error).withContext(changeContext(change, message.key));
      }
    }
    metrics.eventsOut.inc({ stage: 'ingest', source: origin.source, outcome: 'observation' });
    return { key: observationKey(observation), value: await registry.encode(observationSchemaId, observation), headers: { id: observation.observation_id } };
  };

  return {
    name: 'ingest',
    async process(messages: StageMessage[]): Promise<Outcome[]> {
      const { results, outcomes } = await eachMessage(messages, observe);
      const produced = present(results);
      if (produced.length > 0) await producer.send({ topic: topics.observations, messages: produced, acks: -1 });
      return outcomes;
    },

    async feedback(message: StageMessage, error: DancuError) {
      const origin = sourceOfTopic(topics, message.topic);
      if (!origin) return null;
      const rejection: Rejection = {
        source: origin.source,
        source_system: error.context.sourceSystem ?? null,
        source_record_id: error.context.recordId ?? null,
        source_topic: message.topic,
        source_partition: message.partition,
        source_offset: message.offset,
        reason: error.code,
        rules: 'issues' in error ? [...(error.issues as Rejection['rules'])] : [{ code: error.code, path: '(message)', message: error.message }],
        message: error.message.slice(0, 2_000),
        rejected_at: now().getTime(),
        source_change:
          error.context.sourceTable || error.context.sourceKey || error.context.sourceLsn
            ? { table: error.context.sourceTable ?? null, key: error.context.sourceKey ?? null, lsn: error.context.sourceLsn ?? null }
            : null,
      };
      const topic = topics[SOURCE_TOPICS[origin.source].feedback];
      const rejectionSchemaId = schemaIds.get(topic);
      if (rejectionSchemaId === undefined) throw new Error(`no schema registered for ${topic}`);
      return { topic, message: { key: rejection.source_record_id, value: await registry.encode(rejectionSchemaId, rejection) } };
    },
  };
}
