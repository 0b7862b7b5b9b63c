import { foldToAscii } from './text.js';

/**
 * The words a commune's kind is written in, folded: xã, phường, đặc khu (since 2025) and thị
 * trấn. A word written with diacritics must be the kind's own ("Phương", a name, is not
 * "phường"; "xá" is not "xã"); one written without any is read as the kind.
 */
const KINDS: readonly { folded: readonly string[]; written: readonly string[] }[] = [
  { folded: ['xa'], written: ['xã'] },
  { folded: ['phuong'], written: ['phường'] },
  { folded: ['dac', 'khu'], written: ['đặc', 'khu'] },
  { folded: ['thi', 'tran'], written: ['thị', 'trấn'] },
];

/** "thị xã": a town of the districts abolished in 2025, above the communes, not one of them. */
const TOWN_BEFORE = 'thi';

function isKindWord(written: string, folded: string, kindWritten: string, kindFolded: string): boolean {
  if (folded !== kindFolded) return false;
  const lower = written.toLowerCase();
  return lower === folded || lower === kindWritten;
}

/** Where in these words the first commune kind followed by a name begins, or -1. */
function firstKindAt(words: readonly string[]): number {
  const folded = words.map((word) => foldToAscii(word));
  for (let at = 0; at < words.length - 1; at += 1) {
    if (folded[at - 1] === TOWN_BEFORE && folded[at] === 'xa') continue;
    const kind = KINDS.find((k) => k.folded.every((word, i) => isKindWord(words[at + i] ?? '', folded[at + i] ?? '', k.written[i]!, word)));
    if (kind && at + kind.folded.length < words.length) return at;
  }
  return -1;
}

/**
 * The commune a comma-separated place names before its province, as written from its kind on:
 * "Số 12, thôn 4, xã An Phú, Nghệ An" and an office's "Trạm y tế xã An Phú, Nghệ An" both give
 * "xã An Phú". The last part before the province that holds a commune's kind followed by a name
 * (the first kind in that part: "xã Phương Trung" is one commune); null for a place of one part
 * (a province alone) or naming no commune. Two communes of one name in two provinces are told
 * apart by the caller, with the province; numbered wards of the old districts ("Phường 3") and
 * communes renamed in 2025 are not told apart from their namesakes of the same province.
 */
export function communeOfPlace(place: string): string | null {
  const parts = place
    .split(',')
    .map((part) => part.replace(/\s+/g, ' ').trim())
    .filter((part) => part !== '');
  for (let p = parts.length - 2; p >= 0; p -= 1) {
    const words = parts[p]!.split(' ');
    const at = firstKindAt(words);
    if (at >= 0) return words.slice(at).join(' ');
  }
  return null;
}
