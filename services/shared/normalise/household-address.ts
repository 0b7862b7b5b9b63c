import { findProvinceOfWords } from './provinces-2025.js';
import { foldToAscii } from './text.js';

/**
 * One household's address as a key, however a source writes it. Sources write the words that
 * say what kind of place comes next or leave them out ("Số 12, đường Lê Lợi" and "12 Lê Lợi"),
 * and a record made before 1 July 2025 names the province as it was then (Bà Rịa – Vũng Tàu,
 * where the register now says Hồ Chí Minh). The key leaves the kind words out and names the
 * province as it is since the merger: two writings of one address give one key.
 */

/** Folded words that name the kind of the place after them: số, đường, thôn, ấp, tổ, xóm, khu, xã, phường. */
const KIND_WORDS: ReadonlySet<string> = new Set(['so', 'duong', 'thon', 'ap', 'to', 'xom', 'khu', 'xa', 'phuong']);

/** Kinds in two words (thị trấn, đặc khu), left out only together: Trần is a name as often as a kind. */
const KIND_PAIRS: ReadonlyMap<string, string> = new Map([
  ['thi', 'tran'],
  ['dac', 'khu'],
]);

/** Folded words a province's name may follow (tỉnh, thành phố, TP). */
const PROVINCE_PREFIXES: readonly (readonly string[])[] = [['thanh', 'pho'], ['tinh'], ['tp']];

/** The longest province name, in words (Bà Rịa – Vũng Tàu). */
const MAX_PROVINCE_WORDS = 4;

/** Each 2025 province's name as folded words (["ho", "chi", "minh"]), worked out once. */
const CURRENT_WORDS = new Map<string, readonly string[]>();

function currentWords(current: string): readonly string[] {
  let words = CURRENT_WORDS.get(current);
  if (words === undefined) {
    words = foldToAscii(current)
      .split(/[^a-z0-9]+/)
      .filter((word) => word !== '');
    CURRENT_WORDS.set(current, words);
  }
  return words;
}

/** Where the province begins in the address's words (the longest run of last words that names one) and its 2025 name's words. */
function provinceAtEnd(words: readonly string[]): { at: number; current: readonly string[] } | null {
  for (let n = Math.min(MAX_PROVINCE_WORDS, words.length); n >= 1; n -= 1) {
    const found = findProvinceOfWords(words.slice(words.length - n).join(' '));
    if (found) return { at: words.length - n, current: currentWords(found.current) };
  }
  return null;
}

function withoutKinds(words: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i]!;
    const pair = KIND_PAIRS.get(word);
    if (pair !== undefined && pair === words[i + 1]) i += 1;
    else if (!KIND_WORDS.has(word)) kept.push(word);
  }
  return kept;
}

function withoutPrefix(words: readonly string[]): readonly string[] {
  const prefix = PROVINCE_PREFIXES.find((p) => p.length <= words.length && p.every((word, i) => words[words.length - p.length + i] === word));
  return prefix ? words.slice(0, words.length - prefix.length) : words;
}

/**
 * An address's folded words (foldedAddressWords) as one household's: the words before its
 * province without the kind words, then the province's 2025 name; an address that ends in no
 * province keeps all its words but the kind words. None when no word is left: an address that is
 * only a province is no household's.
 */
export function householdWords(words: readonly string[]): string[] {
  const province = provinceAtEnd(words);
  const place = withoutKinds(withoutPrefix(province ? words.slice(0, province.at) : words));
  if (place.length === 0) return [];
  return province ? [...place, ...province.current] : place;
}
