import { capitaliseWord, cleanText, foldToAscii, unifyToneMarks } from './text.js';

export interface NormalisedName {
  full_name: string;
  name_key: string;
  family_name: string;
  middle_name: string;
  given_name: string;
}

/**
 * A Vietnamese full name in one canonical writing: NFC, one tone-mark convention, each word
 * capitalised (registers write capitals), split as family + middle + given. Returns null when
 * nothing name-like is left.
 */
export function normaliseName(raw: string): NormalisedName | null {
  const words = cleanText(raw)
    .replace(/[^\p{L}\p{M}\s'-]/gu, ' ')
    .split(' ')
    .filter((word) => /\p{L}/u.test(word))
    .map((word) => capitaliseWord(unifyToneMarks(word)));
  if (words.length === 0) return null;
  const full = words.join(' ');
  return {
    full_name: full,
    name_key: foldToAscii(full),
    family_name: words[0] ?? '',
    middle_name: words.slice(1, -1).join(' '),
    given_name: words.length > 1 ? (words[words.length - 1] ?? '') : '',
  };
}
