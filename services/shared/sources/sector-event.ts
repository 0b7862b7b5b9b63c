import { z } from 'zod';
import { ValidationError, type ErrorContext } from '../errors.js';
import { RuleReport } from '../quality/rule-report.js';
import { heldPersonalId } from '../normalise/personal-id.js';
import { cleanText } from '../normalise/text.js';
import type { PersonObservation, SectorEventEnvelope } from '../schemas/records.js';
import { normalisePerson } from './normalise-person.js';
import { contentDigest, observationId } from './observation-id.js';
import type { SourceAdapter } from './source-adapter.js';
import { checkTexts } from './text-checks.js';

/**
 * The Kafka key of an observation and of the linker's decision about it when that names no
 * citizen: a person's events share a partition by their ID; a record without one that can be
 * someone's (a placeholder) by its own identity, so placeholders do not crowd one partition.
 */
export function observationKey(observation: PersonObservation): string {
  return heldPersonalId(observation.person.personal_id) ?? `${observation.source_system}:${observation.source_record_id}`;
}

export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka timestamp of the message (ms); absent in unit tests that build events by hand. */
  timestamp?: string;
}

const nonEmpty = z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters');
const optionalText = z.string().nullable();

const envelopeShape = {
  source_system: nonEmpty,
  source_record_id: nonEmpty,
  change_type: z.enum(['CREATE', 'UPDATE', 'DELETE']),
  event_time: z.number().int().positive('must be a time after 1970'),
  person: z.object({
    personal_id: optionalText,
    full_name: optionalText,
    date_of_birth: optionalText,
    sex: optionalText,
    address: optionalText,
    office_area: optionalText.optional(),
  }),
};

const DAY_MS = 24 * 3600 * 1000;

function identity(decoded: unknown): Pick<ErrorContext, 'recordId' | 'sourceSystem'> {
  const event = (decoded ?? {}) as { source_record_id?: unknown; source_system?: unknown };
  return {
    recordId: typeof event.source_record_id === 'string' ? event.source_record_id : undefined,
    sourceSystem: typeof event.source_system === 'string' ? event.source_system : undefined,
  };
}

// zod compiles a schema on its first parse, which costs far more than a parse: one schema per adapter, built once.
const envelopeSchemas = new WeakMap<SourceAdapter<SectorEventEnvelope>, z.ZodType>();

function envelopeSchemaOf<E extends SectorEventEnvelope>(adapter: SourceAdapter<E>): z.ZodType {
  const key = adapter as unknown as SourceAdapter<SectorEventEnvelope>;
  let schema = envelopeSchemas.get(key);
  if (!schema) {
    schema = z.object({ ...envelopeShape, event_type: z.enum(adapter.eventTypes), ...adapter.details });
    envelopeSchemas.set(key, schema);
  }
  return schema;
}

export interface ObservationOptions {
  /**
   * `content`: the event is a snapshot's read of a record (Debezium op r), not a change; its
   * `event_time` is when it was read, so its identity is its content (see observationId).
   */
  identity?: 'time' | 'content';
  /** Where a change captured from a database is in that database's log (see observationId). */
  position?: string;
}

/**
 * Validates a decoded sector event of any source and turns it into a canonical observation.
 * Every hard problem is collected into one ValidationError (the shape first: a record of another
 * schema fails with every difference listed); soft ones travel on as findings.
 */
export function toObservation<E extends SectorEventEnvelope>(
  adapter: SourceAdapter<E>,
  decoded: unknown,
  position: SourcePosition,
  now: Date,
  options: ObservationOptions = {},
): PersonObservation {
  const context: ErrorContext = { topic: position.topic, partition: position.partition, offset: position.offset, ...identity(decoded) };
  const report = new RuleReport();
  checkTexts(decoded, report);
  const shape = envelopeSchemaOf(adapter).safeParse(decoded);
  if (!shape.success) {
    for (const issue of shape.error.issues) report.flag('FIELD_INVALID', issue.path.join('.'), issue.message);
  }
  if (report.rejected) throw new ValidationError(report.issues, context);

  const event = decoded as E;
  const today = now.toISOString().slice(0, 10);
  if (event.event_time > now.getTime() + DAY_MS) report.flag('EVENT_TIME_IN_FUTURE', 'event_time');
  const { person, province2025 } = normalisePerson(event.person, today, report);
  const facts = adapter.check(event, person, report, today);
  if (report.rejected || person === null) throw new ValidationError(report.issues, context);

  const attributes = { ...facts.attributes };
  if (province2025) attributes.address_province_2025 = province2025;
  return {
    observation_id: observationId({
      source: adapter.source,
      sourceSystem: event.source_system,
      recordId: event.source_record_id,
      changeType: event.change_type,
      eventType: event.event_type,
      contentDigest: contentDigest(event as unknown as Record<string, unknown>),
      ...(options.identity === 'content' ? {} : { eventTime: event.event_time, position: options.position }),
    }),
    source: adapter.source,
    source_system: cleanText(event.source_system),
    source_record_id: cleanText(event.source_record_id),
    source_topic: position.topic,
    source_partition: position.partition,
    source_offset: position.offset,
    change_type: event.change_type,
    event_type: event.event_type,
    event_time: event.event_time,
    source_timestamp: position.timestamp ? Number(position.timestamp) : 0,
    ingested_at: now.getTime(),
    person,
    date_of_death: facts.dateOfDeath,
    event_date: facts.eventDate,
    attributes,
    findings: report.findings,
    attempt: 0,
  };
}
