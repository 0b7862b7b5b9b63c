import { foldToAscii } from './text.js';

/** The words a commune's kind is written in once folded: xã, phường, đặc khu (since 2025) and thị trấn. */
const KINDS: readonly (readonly string[])[] = [['xa'], ['phuong'], ['dac', 'khu'], ['thi', 'tran']];

/** Where in these folded words the last commune kind followed by a name begins, or -1. */
function lastKindAt(words: readonly string[]): number {
  for (let at = words.length - 2; at >= 0; at -= 1) {
    const kind = KINDS.find((kind) => kind.every((word, i) => words[at + i] === word));
    if (kind && at + kind.length < words.length) return at;
  }
  return -1;
}

/**
 * The commune a comma-separated place names before its province, as written from its kind on:
 * "Số 12, thôn 4, xã An Phú, Nghệ An" and an office's "Trạm y tế xã An Phú, Nghệ An" both give
 * "xã An Phú". The last part before the province that holds a commune's kind followed by a name;
 * null for a place of one part (a province alone) or naming no commune. Two communes of one name
 * in two provinces are told apart by the caller, with the province.
 */
export function communeOfPlace(place: string): string | null {
  const parts = place
    .split(',')
    .map((part) => part.replace(/\s+/g, ' ').trim())
    .filter((part) => part !== '');
  for (let p = parts.length - 2; p >= 0; p -= 1) {
    const words = parts[p]!.split(' ');
    // Folding keeps the words as they are split: one folded word per word written.
    const at = lastKindAt(words.map((word) => foldToAscii(word)));
    if (at >= 0) return words.slice(at).join(' ');
  }
  return null;
}
