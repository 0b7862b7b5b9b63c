import { foldToAscii } from './text.js';

/** A kind of place in its words, folded and as written with its own diacritics. */
export interface PlaceKind {
  folded: readonly string[];
  written: readonly string[];
}

/**
 * The words a commune's kind is written in, folded: xã, phường, đặc khu (since 2025) and thị
 * trấn. A word written with diacritics must be the kind's own ("Phương", a name, is not
 * "phường"; "xá" is not "xã"); one written without any is read as the kind.
 */
export const COMMUNE_KINDS: readonly PlaceKind[] = [
  { folded: ['xa'], written: ['xã'] },
  { folded: ['phuong'], written: ['phường'] },
  { folded: ['dac', 'khu'], written: ['đặc', 'khu'] },
  { folded: ['thi', 'tran'], written: ['thị', 'trấn'] },
];

/** "thị xã": a town of the districts abolished in 2025, above the communes, not one of them. */
const TOWN_BEFORE = 'thi';

/** Whether a word (as written, and folded) is the kind's word: the same folded, and written as the kind's own or without diacritics. */
export function isKindWord(written: string, folded: string, kindWritten: string, kindFolded: string): boolean {
  if (folded !== kindFolded) return false;
  const lower = written.toLowerCase();
  return lower === folded || lower === kindWritten;
}

/** Where in these words (and the same words folded) the first commune kind followed by a name begins, or -1. */
function firstKindAt(words: readonly string[], folded: readonly string[]): number {
  for (let at = 0; at < words.length - 1; at += 1) {
    if (folded[at - 1] === TOWN_BEFORE && folded[at] === 'xa') continue;
    const kind = COMMUNE_KINDS.find((k) => k.folded.every((word, i) => isKindWord(words[at + i] ?? '', folded[at + i] ?? '', k.written[i]!, word)));
    if (kind && at + kind.folded.length < words.length) return at;
  }
  return -1;
}

/** A word, folded, that begins a commune's kind: a place without one names no commune (most addresses of a register). */
const KIND_FIRST_WORD = new RegExp(`(?:^|[\\s,])(?:${COMMUNE_KINDS.map((kind) => kind.folded[0]).join('|')})(?=[\\s,]|$)`);

/** A part of a place with its spacing collapsed. */
function collapsed(part: string): string {
  return part.replace(/\s+/g, ' ').trim();
}

/**
 * A part's words folded, read from the same part of the place folded whole; a word of combining
 * marks alone folds to nothing, and where one did the folded words no longer line up with the
 * written ones, so that part is folded word by word.
 */
function foldedWordsOf(words: readonly string[], foldedPart: string | undefined): readonly string[] {
  const folded = foldedPart === undefined ? [] : collapsed(foldedPart).split(' ');
  return folded.length === words.length ? folded : words.map((word) => foldToAscii(word));
}

/**
 * The commune a comma-separated place names before its province, as written from its kind on:
 * "Số 12, thôn 4, xã An Phú, Nghệ An" and an office's "Trạm y tế xã An Phú, Nghệ An" both give
 * "xã An Phú". The last part before the province that holds a commune's kind followed by a name
 * (the first kind in that part: "xã Phương Trung" is one commune); null for a place of one part
 * (a province alone) or naming no commune. Two communes of one name in two provinces are told
 * apart by the caller, with the province; numbered wards of the old districts ("Phường 3") and
 * communes renamed in 2025 are not told apart from their namesakes of the same province.
 * `folded` must be foldToAscii(place), given by a caller that has it already (every match
 * record's address): each part is then folded once, not word by word.
 */
export function communeOfPlace(place: string, folded: string = foldToAscii(place)): string | null {
  if (!KIND_FIRST_WORD.test(folded)) return null;
  const written = place.split(',');
  const foldedParts = folded.split(',');
  const aligned = foldedParts.length === written.length;
  // From the last part on: the first that is not empty is the province; the parts before it are read until one names a commune.
  let provinceSeen = false;
  for (let p = written.length - 1; p >= 0; p -= 1) {
    const part = collapsed(written[p]!);
    if (part === '') continue;
    if (!provinceSeen) {
      provinceSeen = true;
      continue;
    }
    const words = part.split(' ');
    const at = firstKindAt(words, foldedWordsOf(words, aligned ? foldedParts[p] : undefined));
    if (at >= 0) return words.slice(at).join(' ');
  }
  return null;
}
