import { foldToAscii } from '../shared/normalise/text.js';
import { heldPersonalId } from '../shared/normalise/personal-id.js';
import { actionsLimitedBy, allowedActions, type CaseAction } from '../shared/review/case-actions.js';
import type { RefusalCode } from '../shared/review/steward-refusal.js';
import { caseFacts } from './case-queue.js';
import { rescoreCase, type PriorBandShown, type Rescored } from '../shared/review/case-rescore.js';
import type { NeverLinkRule } from '../shared/linkage/scoring.js';
import type { LinkExplanation, NormalisedPerson, PersonObservation } from '../shared/schemas/records.js';
import { citizenAsPerson, type CitizenRow } from '../shared/register/citizen-row.js';
import { citizenRowColumns } from '../shared/store/citizens-table.js';
import type { Pool } from '../shared/store/db.js';
import { caseCitizens, caseObservation, findCase, isDuplicateCase, type DuplicateSubject, type ReviewCase } from '../shared/store/review-case.js';

/**
 * How a candidate's field compares with the record's: the same; the same once diacritics and
 * case are set aside (a source without Vietnamese marks, or in old tone-mark style); agreeing
 * only as far as the less precise date goes; different; or missing on one side.
 */
export type Agreement = 'same' | 'same_without_diacritics' | 'partial' | 'differs' | 'missing';

export const COMPARED_FIELDS = ['personal_id', 'full_name', 'date_of_birth', 'sex', 'address'] as const;
export type ComparedField = (typeof COMPARED_FIELDS)[number];

export type PersonFields = Record<ComparedField, string | null>;

/** A citizen no longer in the register (a steward's new citizen, undone) shows as nothing known. */
const NO_FIELDS: PersonFields = { personal_id: null, full_name: null, date_of_birth: null, sex: null, address: null };

export interface CaseCandidate {
  citizen_id: string;
  status: string;
  merged_into: string | null;
  score: number;
  fields: PersonFields;
  agreement: Record<ComparedField, Agreement>;
  /** As stored when the case was sent to review. */
  explanation: LinkExplanation | null;
  /** The never_link rule stored with the candidate when the case was opened (the duplicate scan's twins), or null. */
  never_link: NeverLinkRule | null;
  /** The same record scored against the candidate as it is now (null when it cannot be: see rescoreCase). */
  now: Rescored | null;
}

/**
 * Where a record comes from, so that a steward can call its source: the source system and its
 * own record id, the event and its details as the source sent them (a vaccination's facility,
 * vaccine and lot, a benefit's programme, a licence's class), and the rules it broke but was
 * taken with (an address left out as implausible). Only what the observation carries.
 */
export interface RecordOrigin {
  source: string;
  source_system: string;
  source_record_id: string;
  event_type: string;
  change_type: string;
  event_date: string | null;
  /** When the source says the event happened in its system, and when dancu read it. */
  event_time: string;
  ingested_at: string;
  details: { key: string; value: string }[];
  findings: { code: string; field: string }[];
}

export interface CaseView {
  case: Omit<ReviewCase, 'observation' | 'candidates'>;
  kind: 'record' | 'duplicate';
  record: {
    label: string;
    source: string;
    event_type: string | null;
    event_date: string | null;
    source_record_id: string | null;
    fields: PersonFields;
    /** Null for a duplicate pair: two citizens of the register, no source record. */
    origin: RecordOrigin | null;
  };
  candidates: CaseCandidate[];
  /** The decisions the case allows now: the UI offers only these (a merge is proposed, then approved by a second steward). */
  allowed_actions: CaseAction[];
  /** Why the case allows fewer of a record's decisions than its candidates would (its record deleted at its source): the UI says so in words. */
  actions_limited_by: RefusalCode | null;
  /** The age band the record's scores started from (an infant's record starts lower), or null. */
  prior_band: PriorBandShown | null;
}

function fieldsOf(person: NormalisedPerson): PersonFields {
  return {
    personal_id: person.personal_id,
    full_name: person.full_name || null,
    date_of_birth: person.date_of_birth?.value ?? null,
    sex: person.sex,
    address: person.address,
  };
}

function fold(value: string): string {
  return foldToAscii(value).replace(/\s+/g, ' ').trim();
}

/** Dates of different precision (1990 and 1990-05-12) agree as far as the shorter one goes. */
function compareDates(a: string, b: string): Agreement {
  if (a === b) return 'same';
  const shorter = a.length <= b.length ? a : b;
  const longer = shorter === a ? b : a;
  return longer.startsWith(shorter) ? 'partial' : 'differs';
}

export function compareField(field: ComparedField, a: string | null, b: string | null): Agreement {
  if (a === null || b === null || a.trim() === '' || b.trim() === '') return 'missing';
  // Two placeholders (000000000000) are not one ID: linkage weighs them as none.
  if (field === 'personal_id' && (heldPersonalId(a) === null || heldPersonalId(b) === null)) return 'missing';
  if (field === 'date_of_birth') return compareDates(a, b);
  if (a.trim() === b.trim()) return 'same';
  return fold(a) === fold(b) ? 'same_without_diacritics' : 'differs';
}

export function compareFields(record: PersonFields, candidate: PersonFields): Record<ComparedField, Agreement> {
  return Object.fromEntries(COMPARED_FIELDS.map((field) => [field, compareField(field, record[field], candidate[field])])) as Record<ComparedField, Agreement>;
}

export function originOf(o: PersonObservation): RecordOrigin {
  return {
    source: o.source,
    source_system: o.source_system,
    source_record_id: o.source_record_id,
    event_type: o.event_type,
    change_type: o.change_type,
    event_date: o.event_date,
    event_time: new Date(o.event_time).toISOString(),
    ingested_at: new Date(o.ingested_at).toISOString(),
    // Where the record was made: linkage weighs it (the area comparison) when the record has no address.
    details: Object.entries({
      ...o.attributes,
      ...(o.person.office_province ? { office_province: o.person.office_province } : {}),
      ...(o.person.office_commune ? { office_commune: o.person.office_commune } : {}),
    })
      .map(([key, value]) => ({ key, value }))
      .sort((a, b) => a.key.localeCompare(b.key)),
    findings: o.findings.map(({ code, field }) => ({ code, field })),
  };
}

/**
 * A case as the case page shows it: the record (or the first citizen of a duplicate pair) and
 * each candidate citizen as they are now, field by field, with the score and explanation the
 * linker stored when it opened the case and the same record scored against them now.
 */
export async function caseView(pool: Pool, caseId: number): Promise<CaseView | null> {
  const reviewCase = await findCase(pool, caseId);
  if (!reviewCase) return null;
  const ids = caseCitizens(reviewCase);
  const { rows } = await pool.query<CitizenRow & { merged_into: string | null }>(
    `select ${citizenRowColumns()}, merged_into from citizens where citizen_id = any($1::text[])`,
    [ids],
  );
  const citizens = new Map(rows.map((row) => [row.citizen_id, row]));
  const { observation, candidates, ...rest } = reviewCase;
  const o = caseObservation(reviewCase);
  const duplicate = isDuplicateCase(reviewCase);
  const first = duplicate ? citizens.get((observation as DuplicateSubject).citizen_id) : undefined;
  const recordPerson = o ? o.person : first ? citizenAsPerson(first) : null;
  const recordFields = recordPerson ? fieldsOf(recordPerson) : NO_FIELDS;
  const facts = await caseFacts(pool, reviewCase);
  const now = await rescoreCase(
    pool,
    reviewCase,
    recordPerson,
    new Map(candidates.flatMap((c) => (citizens.has(c.citizen_id) ? [[c.citizen_id, citizenAsPerson(citizens.get(c.citizen_id)!)] as const] : []))),
  );
  return {
    case: rest,
    kind: duplicate ? 'duplicate' : 'record',
    record: {
      label: duplicate ? (observation as DuplicateSubject).citizen_id : `${reviewCase.source} ${o?.event_type ?? ''}`.trim(),
      source: reviewCase.source,
      event_type: o?.event_type ?? null,
      event_date: o?.event_date ?? null,
      source_record_id: o ? `${o.source_system}/${o.source_record_id}` : null,
      fields: recordFields,
      origin: o ? originOf(o) : null,
    },
    allowed_actions: allowedActions(facts),
    actions_limited_by: actionsLimitedBy(facts),
    prior_band: now.prior_band,
    candidates: candidates.map((candidate, index) => {
      const row = citizens.get(candidate.citizen_id);
      const fields = row ? fieldsOf(citizenAsPerson(row)) : NO_FIELDS;
      return {
        citizen_id: candidate.citizen_id,
        status: row?.status ?? 'REMOVED',
        merged_into: row?.merged_into ?? null,
        score: candidate.score,
        fields,
        agreement: compareFields(recordFields, fields),
        // Cases from before candidates carried their own explanation have the best candidate's only.
        explanation: candidate.explanation ?? (index === 0 ? reviewCase.explanation : null),
        never_link: candidate.never_link ?? null,
        now: now.candidates.get(candidate.citizen_id) ?? null,
      };
    }),
  };
}

/** The citizens a view shows: each one's view is audited. */
export function citizensShown(view: CaseView): string[] {
  const first = view.kind === 'duplicate' ? [view.record.label] : [];
  return [...first, ...view.candidates.map((c) => c.citizen_id)];
}
