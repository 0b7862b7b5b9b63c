import type { z } from 'zod';
import type { SourceName } from '../schemas/topics.js';
import type { RuleReport } from '../quality/rule-report.js';
import type { RecordTypeKey } from '../schemas/avro-files.js';
import type { NormalisedPerson, PartialDate, SectorEventEnvelope } from '../schemas/records.js';

/** What a source's own part of an event adds to the observation. */
export interface SectorFacts {
  /** Day the recorded fact happened (ISO), for ordering and the after-death check. */
  eventDate: string | null;
  dateOfDeath: PartialDate | null;
  /** Sector facts, flat, as text (place_of_birth, vaccine_code, licence_class, ...). */
  attributes: Record<string, string>;
}

/**
 * One sectoral source: its Avro record, the shape of its own part of an event (checked by zod on
 * top of the common envelope), and its rules. The envelope, the person and the text checks are
 * the same for every source (see sector-event.ts).
 */
export interface SourceAdapter<E extends SectorEventEnvelope = SectorEventEnvelope> {
  source: SourceName;
  record: RecordTypeKey;
  eventTypes: readonly [string, ...string[]];
  details: z.ZodRawShape;
  check(event: E, person: NormalisedPerson | null, report: RuleReport, today: string): SectorFacts;
}

/** Text attributes from an object's non-empty string and number fields, with a key prefix. */
export function textAttributes(values: Record<string, unknown>, prefix = ''): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string' && value.trim() !== '') attributes[`${prefix}${key}`] = value.trim().normalize('NFC');
    else if (typeof value === 'number') attributes[`${prefix}${key}`] = String(value);
  }
  return attributes;
}
