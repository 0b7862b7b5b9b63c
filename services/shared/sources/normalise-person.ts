import type { Issue } from '../errors.js';
import { parsePartialDate, yearOf } from '../normalise/date.js';
import { normaliseName } from '../normalise/name.js';
import { checkPersonalId, parsePersonalId } from '../normalise/personal-id.js';
import { parseSex } from '../normalise/sex.js';
import { cleanText } from '../normalise/text.js';
import type { Finding, NormalisedPerson, PartialDate, PersonFields } from '../schemas/records.js';

export interface PersonCheck {
  person: NormalisedPerson | null;
  issues: Issue[];
  findings: Finding[];
}

const MAX_NAME_CHARS = 200;

/**
 * The person fields every source sends, validated and normalised in one pass: every problem is
 * collected (hard ones as issues, soft ones as findings) so a publisher learns all of them at once.
 */
export function normalisePerson(fields: PersonFields, today: string, path = 'person'): PersonCheck {
  const issues: Issue[] = [];
  const findings: Finding[] = [];

  const name = fields.full_name === null ? null : normaliseName(fields.full_name);
  if (fields.full_name === null || fields.full_name.trim() === '') {
    issues.push({ code: 'NAME_MISSING', path: `${path}.full_name`, message: 'the full name is required' });
  } else if (fields.full_name.length > MAX_NAME_CHARS) {
    issues.push({ code: 'NAME_TOO_LONG', path: `${path}.full_name`, message: `a name has at most ${MAX_NAME_CHARS} characters` });
  } else if (name === null) {
    issues.push({ code: 'NAME_NOT_A_NAME', path: `${path}.full_name`, message: 'the full name has no letters' });
  }

  let dateOfBirth: PartialDate | null = null;
  if (fields.date_of_birth !== null && fields.date_of_birth.trim() !== '') {
    const parsed = parsePartialDate(fields.date_of_birth);
    if (!parsed.ok) {
      issues.push({ code: 'DOB_UNPARSEABLE', path: `${path}.date_of_birth`, message: parsed.reason });
    } else {
      dateOfBirth = parsed.date;
      if (parsed.impossibleDay) {
        findings.push({ code: 'DOB_IMPOSSIBLE_DAY', field: `${path}.date_of_birth`, message: 'the day does not exist in that month; the month was kept' });
      }
      if (parsed.date.value > today) {
        issues.push({ code: 'DOB_IN_FUTURE', path: `${path}.date_of_birth`, message: 'the date of birth is in the future' });
      }
    }
  }

  const sex = fields.sex === null || fields.sex.trim() === '' ? null : (parseSex(fields.sex) ?? null);
  if (fields.sex !== null && fields.sex.trim() !== '' && sex === null) {
    findings.push({ code: 'SEX_UNKNOWN_VALUE', field: `${path}.sex`, message: 'the sex is not one of M/F, male/female, nam/nữ; it was left empty' });
  }

  let personalId: string | null = null;
  let legacyId: string | null = null;
  if (fields.personal_id !== null && fields.personal_id.trim() !== '') {
    const parsed = parsePersonalId(fields.personal_id);
    if (parsed.kind === 'invalid') {
      issues.push({ code: 'PID_FORMAT', path: `${path}.personal_id`, message: parsed.reason });
    } else if (parsed.kind === 'legacy') {
      legacyId = parsed.value;
    } else {
      personalId = parsed.value;
      findings.push(...checkPersonalId(parsed.value, sex, dateOfBirth ? yearOf(dateOfBirth) : null, `${path}.personal_id`));
    }
  }

  const address = fields.address === null ? null : cleanText(fields.address) || null;
  const person: NormalisedPerson | null =
    name === null || issues.length > 0
      ? null
      : { ...name, personal_id: personalId, legacy_id: legacyId, date_of_birth: dateOfBirth, sex, address };
  return { person, issues, findings };
}
