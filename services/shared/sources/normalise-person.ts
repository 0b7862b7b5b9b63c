import { communeOfPlace } from '../normalise/commune.js';
import { parsePartialDate, yearOf } from '../normalise/date.js';
import { normaliseName } from '../normalise/name.js';
import { checkPersonalId, parsePersonalId } from '../normalise/personal-id.js';
import { provinceOfAddress, provinceOfPlace } from '../normalise/provinces-2025.js';
import { addressProblem, nameProblem } from '../normalise/plausibility.js';
import { parseSex } from '../normalise/sex.js';
import { cleanText } from '../normalise/text.js';
import type { RuleReport } from '../quality/rule-report.js';
import type { NormalisedPerson, PartialDate, PersonFields } from '../schemas/records.js';

const MAX_NAME_CHARS = 200;
// Letters, marks and the punctuation names carry (H'Hen Niê, Nguyễn-Trần); digits only as Telex/VNI typing residue inside words.
const NAME_CHARACTERS = /^[\p{L}\p{M}\p{Nd}\s'’.-]*$/u;

export interface CheckedPerson {
  person: NormalisedPerson | null;
  /** The province of the address as it is since 1 July 2025 (a merged province's successor), when the address names one. */
  province2025: string | null;
}

/** The 2025 province an office's area names (its last part, or the whole when it is one part); flagged when none can be read from it. */
function officeProvinceOf(officeArea: string | null | undefined, path: string, report: RuleReport): string | null {
  const area = officeArea ? cleanText(officeArea) : '';
  if (area === '') return null;
  const province = provinceOfPlace(area);
  if (province === null || province === 'unknown') {
    report.flag('OFFICE_PROVINCE_UNKNOWN', path);
    return null;
  }
  return province.current;
}

/**
 * The person fields every source sends, validated and normalised in one pass. Every rule flags
 * into the report (hard and soft alike) so a publisher learns all problems at once; the person is
 * null when a hard rule failed.
 */
export function normalisePerson(fields: PersonFields, today: string, report: RuleReport, path = 'person'): CheckedPerson {
  const before = report.issues.length;
  const name = fields.full_name === null ? null : normaliseName(fields.full_name);
  if (fields.full_name === null || fields.full_name.trim() === '') {
    report.flag('NAME_MISSING', `${path}.full_name`);
  } else if (fields.full_name.length > MAX_NAME_CHARS) {
    report.flag('NAME_TOO_LONG', `${path}.full_name`);
  } else if (!NAME_CHARACTERS.test(cleanText(fields.full_name))) {
    report.flag('NAME_INVALID_CHARACTERS', `${path}.full_name`);
  } else if (name === null) {
    report.flag('NAME_NOT_A_NAME', `${path}.full_name`);
  } else {
    const problem = nameProblem(cleanText(fields.full_name));
    if (problem) report.flag(problem, `${path}.full_name`);
  }

  let dateOfBirth: PartialDate | null = null;
  if (fields.date_of_birth !== null && fields.date_of_birth.trim() !== '') {
    const parsed = parsePartialDate(fields.date_of_birth);
    if (!parsed.ok) {
      report.flag('DOB_UNPARSEABLE', `${path}.date_of_birth`, parsed.reason);
    } else {
      dateOfBirth = parsed.date;
      if (parsed.impossibleDay) report.flag('DOB_IMPOSSIBLE_DAY', `${path}.date_of_birth`);
      if (parsed.date.value > today) report.flag('DOB_IN_FUTURE', `${path}.date_of_birth`);
    }
  }

  const sex = fields.sex === null || fields.sex.trim() === '' ? null : (parseSex(fields.sex) ?? null);
  if (fields.sex !== null && fields.sex.trim() !== '' && sex === null) report.flag('SEX_UNKNOWN_VALUE', `${path}.sex`);

  let personalId: string | null = null;
  let legacyId: string | null = null;
  if (fields.personal_id !== null && fields.personal_id.trim() !== '') {
    const parsed = parsePersonalId(fields.personal_id);
    if (parsed.kind === 'invalid') {
      report.flag('PID_FORMAT', `${path}.personal_id`, parsed.reason);
    } else if (parsed.kind === 'legacy') {
      legacyId = parsed.value;
    } else {
      personalId = parsed.value;
      checkPersonalId(parsed.value, sex, dateOfBirth ? yearOf(dateOfBirth) : null, `${path}.personal_id`, report);
    }
  }

  const given = fields.address === null ? null : cleanText(fields.address) || null;
  // An implausible address is reported and left out: no evidence for linkage, never a citizen's value.
  const implausible = given === null ? null : addressProblem(given);
  if (implausible) report.flag(implausible, `${path}.address`);
  const address = implausible ? null : given;
  let province2025: string | null = null;
  if (address !== null) {
    const province = provinceOfAddress(address);
    if (province === 'unknown') report.flag('ADDRESS_PROVINCE_UNKNOWN', `${path}.address`);
    else if (province !== null) {
      if (province.merged) report.flag('ADDRESS_PROVINCE_MERGED', `${path}.address`, `${province.named} is part of ${province.current} since 1 July 2025`);
      // Every resolved address names its province as it is since 2025: stewards' work is routed by it.
      province2025 = province.current;
    }
  }

  const officeProvince = officeProvinceOf(fields.office_area, `${path}.office_area`, report);
  // The office's commune only with its province: communes of one name lie in several provinces.
  const officeCommune = officeProvince && fields.office_area ? communeOfPlace(cleanText(fields.office_area)) : null;

  const person: NormalisedPerson | null =
    name === null || report.issues.length > before
      ? null
      : {
          ...name,
          personal_id: personalId,
          legacy_id: legacyId,
          date_of_birth: dateOfBirth,
          sex,
          address,
          office_province: officeProvince,
          office_commune: officeCommune,
        };
  return { person, province2025 };
}
