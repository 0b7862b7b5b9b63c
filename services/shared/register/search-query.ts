import { parsePartialDate } from '../normalise/date.js';
import { normaliseName } from '../normalise/name.js';
import { parsePersonalId } from '../normalise/personal-id.js';
import { foldToAscii } from '../normalise/text.js';

/**
 * What a steward searches the register for: an ID (a personal ID, a citizen id, or a sector
 * record's id, optionally as `system/record` the way the UI shows it) or a name, each optionally
 * narrowed by a birth date. A name is compared by its folded key (no diacritics, any case), the
 * one normaliseName gives every citizen, so "Nguyễn Văn An", "nguyen van an" and "NGUYEN VAN AN"
 * find the same people; it matches a whole name or its first words (family name first).
 */
export type SearchQuery =
  { by: 'id'; id: string; sourceSystem: string | null; birthDate: string | null } | { by: 'name'; nameKey: string; fullName: string; birthDate: string | null };

export type SearchQueryParse = { ok: true; query: SearchQuery } | { ok: false; reason: string };

/** Letters, digits and the separators ids use: what a citizen id or a record id may hold. */
const ID_TEXT = /^[A-Za-z0-9._:-]+$/;

function parseBirthDate(raw: string | undefined): { ok: true; value: string | null } | { ok: false; reason: string } {
  if (raw === undefined || raw.trim() === '') return { ok: true, value: null };
  const parsed = parsePartialDate(raw);
  return parsed.ok ? { ok: true, value: parsed.date.value } : { ok: false, reason: `birth date: ${parsed.reason}` };
}

function parseId(text: string): { id: string; sourceSystem: string | null } | null {
  const personal = parsePersonalId(text);
  if (personal.kind !== 'invalid') return { id: personal.value, sourceSystem: null };
  const compact = text.replace(/\s+/g, '');
  const slash = compact.lastIndexOf('/');
  const [system, id] = slash > 0 ? [compact.slice(0, slash), compact.slice(slash + 1)] : [null, compact];
  if (!ID_TEXT.test(id) || (system !== null && !ID_TEXT.test(system))) return null;
  return { id, sourceSystem: system };
}

/** The query as typed: anything with a digit is an ID (names hold none), the rest a name. */
export function parseSearchQuery(text: string, birthDate?: string): SearchQueryParse {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, reason: 'type a personal ID, a record id or a name' };
  const date = parseBirthDate(birthDate);
  if (!date.ok) return date;
  if (/\d/.test(trimmed)) {
    const id = parseId(trimmed);
    if (!id) return { ok: false, reason: 'an ID holds letters, digits, dots, dashes and colons (a record as system/id)' };
    return { ok: true, query: { by: 'id', ...id, birthDate: date.value } };
  }
  const name = normaliseName(trimmed);
  if (!name) return { ok: false, reason: 'a name needs letters' };
  return { ok: true, query: { by: 'name', nameKey: name.name_key, fullName: name.full_name, birthDate: date.value } };
}

/** Whether a citizen's birth date can be the one searched for: equal as far as the less precise of the two goes. */
export function birthDateMatches(searched: string | null, dateOfBirth: string | null): boolean {
  if (searched === null) return true;
  if (dateOfBirth === null) return false;
  return searched.startsWith(dateOfBirth) || dateOfBirth.startsWith(searched);
}

/**
 * The order a name's results are shown in: the name exactly as typed (its diacritics too) first,
 * then the whole name without diacritics, then longer names starting with it; within each, by
 * birth date. The database returns them by key; this puts the steward's own spelling on top.
 */
export function rankNameHits<T extends { full_name: string; name_key?: string; date_of_birth: string | null; citizen_id: string }>(
  query: Extract<SearchQuery, { by: 'name' }>,
  hits: readonly T[],
): T[] {
  const tier = (hit: T) => {
    if (hit.full_name === query.fullName) return 0;
    return (hit.name_key ?? foldToAscii(hit.full_name)) === query.nameKey ? 1 : 2;
  };
  return [...hits].sort(
    (a, b) =>
      tier(a) - tier(b) ||
      (a.date_of_birth ?? '').localeCompare(b.date_of_birth ?? '') ||
      (a.citizen_id < b.citizen_id ? -1 : a.citizen_id > b.citizen_id ? 1 : 0),
  );
}

/**
 * The text a search is audited under, before it is keyed (never stored as is): the ID, or the
 * folded name with the birth date, so that an investigator holding the key can tell whether a
 * given person was searched for without the audit log naming anyone to its readers.
 */
export function auditedQueryText(query: SearchQuery): string {
  const date = query.birthDate ?? '';
  return query.by === 'id' ? `id:${query.sourceSystem ? `${query.sourceSystem}/` : ''}${query.id}|${date}` : `name:${query.nameKey}|${date}`;
}
