import { foldedAddressWords } from './plausibility.js';
import { findProvinceOfWords } from './provinces-2025.js';
import { foldToAscii } from './text.js';

/**
 * One household's address, however a source writes it. Sources write the words that say what
 * kind of place comes next or leave them out ("Số 12, đường Lê Lợi" and "12 Lê Lợi"), and a
 * record made before 1 July 2025 names the province as it was then (Bà Rịa – Vũng Tàu, where the
 * register now says Hồ Chí Minh). The household's words leave those kind words out and name the
 * province as it is since the merger: two writings of one address give the same words.
 */

/**
 * Kinds of place a source may write or leave out (số, đường, xã, phường; thị trấn and đặc khu in
 * two words), folded, each with its own written form: a word written with other tones is a name
 * (Phương, Dương, Xá), as in normalise/commune.ts; one written without any is read as the kind.
 * The hamlet's kinds (thôn, ấp, tổ, xóm, khu) stay: "thôn 6" is not house number 6.
 */
const LEFT_OUT: readonly (readonly [folded: string, written: string][])[] = [
  [['so', 'số']],
  [['duong', 'đường']],
  [['xa', 'xã']],
  [['phuong', 'phường']],
  [
    ['thi', 'thị'],
    ['tran', 'trấn'],
  ],
  [
    ['dac', 'đặc'],
    ['khu', 'khu'],
  ],
];

/** Kinds after which a province's name is a street's, a hamlet's or a commune's ("phường Hòa Bình", "đường Thái Bình"); not phố, which ends "thành phố". */
const BEFORE_A_NAME: readonly (readonly [folded: string, written: string])[] = [
  ...LEFT_OUT.map((kind) => kind[kind.length - 1]!),
  ['thon', 'thôn'],
  ['ap', 'ấp'],
  ['to', 'tổ'],
  ['xom', 'xóm'],
];

/** Folded words a province's name may follow (tỉnh, thành phố, TP, T.P.). */
const PROVINCE_PREFIXES: readonly (readonly string[])[] = [['thanh', 'pho'], ['tinh'], ['tp'], ['t', 'p']];

/** The longest province name, in words (Bà Rịa – Vũng Tàu). */
const MAX_PROVINCE_WORDS = 4;

/** Each 2025 province's name as folded words (["ho", "chi", "minh"]), worked out once. */
const CURRENT_WORDS = new Map<string, readonly string[]>();

/** An address's words folded, and the same words as written (lower case) when they line up with them. */
interface AddressWords {
  folded: readonly string[];
  written: readonly string[] | null;
}

function currentWords(current: string): readonly string[] {
  let words = CURRENT_WORDS.get(current);
  if (words === undefined) {
    words = foldedAddressWords(foldToAscii(current));
    CURRENT_WORDS.set(current, words);
  }
  return words;
}

/** Whether the word at `at` is the kind (folded, written): written as the kind's own or without diacritics. */
function isKind(words: AddressWords, at: number, [folded, written]: readonly [string, string]): boolean {
  if (words.folded[at] !== folded) return false;
  const asWritten = words.written?.[at];
  return asWritten === undefined || asWritten === folded || asWritten === written;
}

/** Where the province begins in the address's words (the longest run of last words that names one, not after a kind) and its 2025 name's words. */
function provinceAtEnd(words: AddressWords): { at: number; current: readonly string[] } | null {
  const { folded } = words;
  for (let n = Math.min(MAX_PROVINCE_WORDS, folded.length); n >= 1; n -= 1) {
    const at = folded.length - n;
    const found = findProvinceOfWords(folded.slice(at).join(' '));
    if (found && !BEFORE_A_NAME.some((kind) => isKind(words, at - 1, kind))) return { at, current: currentWords(found.current) };
  }
  return null;
}

/** The words up to `end` without the kinds a source may leave out. */
function withoutKinds(words: AddressWords, end: number): string[] {
  const kept: string[] = [];
  for (let i = 0; i < end;) {
    const kind = LEFT_OUT.find((parts) => i + parts.length <= end && parts.every((part, k) => isKind(words, i + k, part)));
    if (kind) i += kind.length;
    else kept.push(words.folded[i++]!);
  }
  return kept;
}

/** Where the place ends before a province at `at`: before "tỉnh", "thành phố" or "TP" in front of it. */
function beforePrefix(folded: readonly string[], at: number): number {
  const prefix = PROVINCE_PREFIXES.find((p) => p.length <= at && p.every((word, i) => folded[at - p.length + i] === word));
  return prefix ? at - prefix.length : at;
}

/**
 * An address's folded words (foldedAddressWords) as one household's: the words before its
 * province without the kinds a source may leave out, then the province's 2025 name; an address
 * that ends in no province keeps all its words but those kinds. `written` are the same words as
 * written, lower case (diacritics tell a name from a kind); null when they do not line up. None
 * when no word is left: an address that is only a province is no household's.
 */
export function householdWords(folded: readonly string[], written: readonly string[] | null = null): string[] {
  const words: AddressWords = { folded, written: written?.length === folded.length ? written : null };
  const province = provinceAtEnd(words);
  const place = withoutKinds(words, province ? beforePrefix(folded, province.at) : folded.length);
  if (place.length === 0) return [];
  return province ? [...place, ...province.current] : place;
}
