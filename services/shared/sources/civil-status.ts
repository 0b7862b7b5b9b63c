import { z } from 'zod';
import { ValidationError, type ErrorContext, type Issue } from '../errors.js';
import { earliestDay, latestDay, parsePartialDate } from '../normalise/date.js';
import { cleanText } from '../normalise/text.js';
import type { CivilStatusEvent, PartialDate, PersonObservation } from '../schemas/records.js';
import { normalisePerson } from './normalise-person.js';
import { observationId } from './observation-id.js';

export const CIVIL_STATUS_SOURCE = 'civil-status';

const nonEmpty = z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters');

const optionalText = z.string().nullable();

/**
 * The event's shape and what Avro cannot say (non-empty ids, sane times). A record of another
 * schema published to the topic decodes, but fails here with every difference listed.
 */
const eventSchema = z.object({
  source_system: nonEmpty,
  source_record_id: nonEmpty,
  change_type: z.enum(['CREATE', 'UPDATE', 'DELETE']),
  event_type: z.enum(['BIRTH_REGISTRATION', 'DEATH_REGISTRATION']),
  event_time: z.number().int().positive('must be a time after 1970'),
  registration_date: optionalText,
  person: z.object({
    personal_id: optionalText,
    full_name: optionalText,
    date_of_birth: optionalText,
    sex: optionalText,
    address: optionalText,
  }),
  birth: z.object({}).passthrough().nullable(),
  death: z.object({ date_of_death: z.string() }).passthrough().nullable(),
});

export interface SourcePosition {
  topic: string;
  partition: number;
  offset: string;
}

function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({ code: 'FIELD_INVALID', path: issue.path.join('.'), message: issue.message }));
}

/**
 * Validates a decoded civil-status event and turns it into a canonical observation. Every hard
 * problem is collected into one ValidationError; soft ones travel on as findings.
 */
export function civilStatusToObservation(decoded: unknown, position: SourcePosition, now: Date): PersonObservation {
  const shape = eventSchema.safeParse(decoded);
  const recordId = (decoded as { source_record_id?: unknown } | null)?.source_record_id;
  const context: ErrorContext = { ...position, recordId: typeof recordId === 'string' ? recordId : undefined };
  if (!shape.success) throw new ValidationError(zodIssues(shape.error), context);
  const event = decoded as CivilStatusEvent;
  const today = now.toISOString().slice(0, 10);
  const issues: Issue[] = [];
  if (event.event_time > now.getTime() + 24 * 3600 * 1000) {
    issues.push({ code: 'EVENT_TIME_IN_FUTURE', path: 'event_time', message: 'the event time is more than a day in the future' });
  }

  const checked = normalisePerson(event.person, today);
  issues.push(...checked.issues);
  const findings = [...checked.findings];

  let dateOfDeath: PartialDate | null = null;
  if (event.event_type === 'BIRTH_REGISTRATION') {
    if (checked.person && checked.person.date_of_birth?.precision !== 'DAY') {
      issues.push({ code: 'BIRTH_DATE_REQUIRED', path: 'person.date_of_birth', message: 'a birth registration needs the full date of birth' });
    }
    if (event.death !== null) {
      issues.push({ code: 'DETAILS_MISMATCH', path: 'death', message: 'a birth registration carries no death details' });
    }
  } else {
    if (event.death === null) {
      issues.push({ code: 'DEATH_DETAILS_REQUIRED', path: 'death', message: 'a death registration needs its death details' });
    } else {
      const parsed = parsePartialDate(event.death.date_of_death);
      if (!parsed.ok) {
        issues.push({ code: 'DOD_UNPARSEABLE', path: 'death.date_of_death', message: parsed.reason });
      } else if (parsed.date.value > today) {
        issues.push({ code: 'DOD_IN_FUTURE', path: 'death.date_of_death', message: 'the date of death is in the future' });
      } else {
        dateOfDeath = parsed.date;
        const birth = checked.person?.date_of_birth;
        if (birth && earliestDay(birth) > latestDay(parsed.date)) {
          issues.push({ code: 'DOD_BEFORE_DOB', path: 'death.date_of_death', message: 'the date of death is before the date of birth' });
        }
      }
    }
  }

  if (issues.length > 0 || checked.person === null) throw new ValidationError(issues, context);

  return {
    observation_id: observationId({
      source: CIVIL_STATUS_SOURCE,
      sourceSystem: event.source_system,
      recordId: event.source_record_id,
      changeType: event.change_type,
      eventType: event.event_type,
      eventTime: event.event_time,
    }),
    source: CIVIL_STATUS_SOURCE,
    source_system: cleanText(event.source_system),
    source_record_id: cleanText(event.source_record_id),
    source_topic: position.topic,
    source_partition: position.partition,
    source_offset: position.offset,
    change_type: event.change_type,
    event_type: event.event_type,
    event_time: event.event_time,
    ingested_at: now.getTime(),
    person: checked.person,
    date_of_death: dateOfDeath,
    attributes: attributesOf(event),
    findings,
  };
}

function attributesOf(event: CivilStatusEvent): Record<string, string> {
  const attributes: Record<string, string> = {};
  const details: Record<string, string | null> = { ...(event.birth ?? {}), ...(event.death ? { place_of_death: event.death.place_of_death, cause_of_death: event.death.cause } : {}) };
  if (event.registration_date) details.registration_date = event.registration_date;
  for (const [key, value] of Object.entries(details)) {
    if (value !== null && value.trim() !== '') attributes[key] = cleanText(value);
  }
  return attributes;
}
