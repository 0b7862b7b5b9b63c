import { COMMUNE_KINDS, isKindWord, type PlaceKind } from './commune.js';
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
 * Kinds of place a source may write or leave out: số, đường and the communes' (commune.ts: xã,
 * phường, thị trấn, đặc khu), read as commune.ts reads them: a word written with other tones is a
 * name (Phương, Dương, Xá), one written without any is the kind. The hamlet's kinds (thôn, ấp,
 * tổ, xóm, khu) stay: "thôn 6" is not house number 6.
 */
const LEFT_OUT: readonly PlaceKind[] = [{ folded: ['so'], written: ['số'] }, { folded: ['duong'], written: ['đường'] }, ...COMMUNE_KINDS];

/** The last word of a kind of place. */
const lastWord = (kind: PlaceKind): PlaceKind => ({ folded: kind.folded.slice(-1), written: kind.written.slice(-1) });

/** Kinds after which a province's name is a street's, a hamlet's or a commune's ("phường Hòa Bình", "đường Thái Bình"); not phố, which ends "thành phố". */
const BEFORE_A_NAME: readonly PlaceKind[] = [
  ...LEFT_OUT.map(lastWord),
  { folded: ['thon'], written: ['thôn'] },
  { folded: ['ap'], written: ['ấp'] },
  { folded: ['to'], written: ['tổ'] },
  { folded: ['xom'], written: ['xóm'] },
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

/** Whether the words from `at` on are the kind's (isKindWord); without the written words, by their folded form alone. */
function isKind(words: AddressWords, at: number, kind: PlaceKind): boolean {
  return kind.folded.every((folded, k) => {
    const asWritten = words.written?.[at + k];
    return asWritten === undefined ? words.folded[at + k] === folded : isKindWord(asWritten, words.folded[at + k] ?? '', kind.written[k]!, folded);
  });
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
    const kind = LEFT_OUT.find((k) => i + k.folded.length <= end && isKind(words, i, k));
    if (kind) i += kind.folded.length;
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
