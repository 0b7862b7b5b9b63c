import { foldToAscii } from './text.js';

/**
 * Whether a name or an address is one a person could have. Sector forms hold pasted paragraphs,
 * placeholders and keyboard mash; such a value is no evidence of who a record is about and must
 * never become a citizen's value. The limits are far from any real value: the longest
 * Vietnamese addresses (apartment, alley, street, ward, district, city) have about 120
 * characters, the longest names (Công Tằng Tôn Nữ Thị …) seven words.
 */
export const MAX_ADDRESS_CHARS = 200;
export const MAX_NAME_WORDS = 8;

export type AddressProblem = 'ADDRESS_TOO_LONG' | 'ADDRESS_IMPLAUSIBLE';
export type NameProblem = 'NAME_TOO_MANY_WORDS' | 'NAME_HAS_NUMBER';

// What forms put where nobody knew the address (folded: "không rõ" is "khong ro").
const PLACEHOLDERS = new Set(['khong ro', 'khong co', 'chua ro', 'chua co', 'khong xac dinh', 'kxd', 'n a', 'na', 'null', 'none', 'unknown']);
const PLACEHOLDER_MAX_WORDS = Math.max(...[...PLACEHOLDERS].map((placeholder) => placeholder.split(' ').length));
// One character typed four times or more in a row ("xxxx", "....", "----"); digits excepted (postcodes such as 100000).
const MASHED = /([^\d\s])\1{3,}/;
// Repeated junk: at least this many words, fewer than half of them distinct ("Lê Lợi Lê Lợi Lê Lợi …").
const REPEATED_FROM_WORDS = 6;

/**
 * The words of an address folded to ASCII: its runs of letters and digits, what is compared of it.
 * Any other character separates words, whitespace of every kind included (clean text has only
 * spaces: cleanText collapses the others).
 */
export function foldedAddressWords(folded: string): string[] {
  return folded.split(/[^a-z0-9]+/).filter((word) => word !== '');
}

/**
 * The problem of an address already folded to ASCII (foldToAscii), or null for a plausible one;
 * `words` are its foldedAddressWords when the caller has them already (every candidate's address
 * is read this way, so they are split once).
 */
export function foldedAddressProblem(folded: string, words: readonly string[] = foldedAddressWords(folded)): AddressProblem | null {
  if (folded.length > MAX_ADDRESS_CHARS) return 'ADDRESS_TOO_LONG';
  if (!/[a-z]/.test(folded) || MASHED.test(folded)) return 'ADDRESS_IMPLAUSIBLE';
  if (words.length <= PLACEHOLDER_MAX_WORDS && PLACEHOLDERS.has(words.join(' '))) return 'ADDRESS_IMPLAUSIBLE';
  if (words.length >= REPEATED_FROM_WORDS && new Set(words).size * 2 < words.length) return 'ADDRESS_IMPLAUSIBLE';
  return null;
}

/** The problem of an address as a source wrote it (clean text, text.ts cleanText), or null for a plausible one. */
export function addressProblem(address: string): AddressProblem | null {
  return foldedAddressProblem(foldToAscii(address));
}

/**
 * The problem of a name (clean text) that has letters and only a name's characters, or null.
 * Digits typed by Telex or VNI stay inside words ("Tru7o72ng"); a word of digits alone is a
 * number: a phone, an ID or a date typed into the name.
 */
export function nameProblem(name: string): NameProblem | null {
  const words = name.split(' ').filter((word) => word !== '');
  if (words.some((word) => /^\d+$/.test(word))) return 'NAME_HAS_NUMBER';
  if (words.length > MAX_NAME_WORDS) return 'NAME_TOO_MANY_WORDS';
  return null;
}
