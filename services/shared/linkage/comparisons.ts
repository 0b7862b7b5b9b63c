import levenshtein from 'fast-levenshtein';
import { datesCompatible } from '../normalise/date.js';
import type { NormalisedPerson } from '../schemas/records.js';

/** How far two records agree on one field: 1 agreement, -1 disagreement, 0 nothing to compare. */
export interface FieldComparison {
  comparison: string;
  level: string;
  agreement: -1 | 0 | 1;
  sentence: string;
}

const MAX_NAME_EDITS = 2;

/** Names compared without diacritics or case: the same name is often typed without marks. */
export function compareNames(record: NormalisedPerson, citizen: NormalisedPerson): FieldComparison {
  const comparison = 'full_name';
  if (record.name_key === citizen.name_key) {
    return { comparison, level: 'folded_exact', agreement: 1, sentence: 'The names are the same, ignoring diacritics and case.' };
  }
  const edits = levenshtein.get(record.name_key, citizen.name_key);
  if (edits <= MAX_NAME_EDITS) {
    return { comparison, level: 'close', agreement: 1, sentence: `The names differ by ${edits} letter${edits === 1 ? '' : 's'}, ignoring diacritics.` };
  }
  return { comparison, level: 'else', agreement: -1, sentence: 'The names are different.' };
}

export function compareDatesOfBirth(record: NormalisedPerson, citizen: NormalisedPerson): FieldComparison {
  const comparison = 'date_of_birth';
  const [a, b] = [record.date_of_birth, citizen.date_of_birth];
  if (!a || !b) return { comparison, level: 'missing', agreement: 0, sentence: 'One of the two has no date of birth.' };
  if (a.value === b.value) return { comparison, level: 'exact', agreement: 1, sentence: 'The dates of birth are the same.' };
  if (datesCompatible(a, b)) {
    return { comparison, level: 'compatible', agreement: 1, sentence: 'The dates of birth agree as far as the less precise one goes.' };
  }
  return { comparison, level: 'else', agreement: -1, sentence: 'The dates of birth are different.' };
}

export function compareSexes(record: NormalisedPerson, citizen: NormalisedPerson): FieldComparison {
  const comparison = 'sex';
  if (!record.sex || !citizen.sex) return { comparison, level: 'missing', agreement: 0, sentence: 'One of the two has no sex recorded.' };
  return record.sex === citizen.sex
    ? { comparison, level: 'exact', agreement: 1, sentence: 'The sexes are the same.' }
    : { comparison, level: 'else', agreement: -1, sentence: 'The sexes are different.' };
}
