import { foldToAscii } from '../normalise/text.js';
import type { SeededRandom } from '../random.js';

/**
 * How sectors write a person's values, each drawn from a seeded generator: lost diacritics,
 * capitals, NFD, the other tone-mark style, OCR confusions, Telex residue, typos, dropped
 * middle names, reversed order, Hoàng/Huỳnh and Vũ/Võ, day/month swaps, year-only dates, ID
 * typos and transpositions, IDs missing or someone else's. Shared by the synthetic sets.
 */
const SURNAME_VARIANTS: Record<string, string> = { Hoàng: 'Huỳnh', Huỳnh: 'Hoàng', Vũ: 'Võ', Võ: 'Vũ' };
const OCR: [RegExp, string][] = [
  [/ễ/g, 'é'],
  [/ư/g, 'u'],
  [/ơ/g, 'o'],
  [/Đ/g, 'D'],
  [/ạ/g, 'a'],
  [/ị/g, 'i'],
];
const TONE_STYLES: [RegExp, string][] = [
  [/òa/g, 'oà'],
  [/óa/g, 'oá'],
  [/ủy/g, 'uỷ'],
  [/ùy/g, 'uỳ'],
  [/oà/g, 'òa'],
  [/uỷ/g, 'ủy'],
];

function typo(random: SeededRandom, word: string): string {
  if (word.length < 3) return word;
  const at = random.int(1, word.length - 2);
  const letters = 'aeiounhtgcmlr';
  return random.chance(0.5) ? word.slice(0, at) + word.slice(at + 1) : word.slice(0, at) + letters[random.int(0, letters.length - 1)] + word.slice(at + 1);
}

const TELEX_TONES: Record<string, string> = { '\u0300': 'f', '\u0301': 's', '\u0309': 'r', '\u0303': 'x', '\u0323': 'j' };

/** A word as typed in Telex with the input method off: "Trường" → "Truwowngf". */
function asTelex(word: string): string {
  let tone = '';
  let out = '';
  for (const char of word.normalize('NFD')) {
    if (TELEX_TONES[char]) tone = TELEX_TONES[char]!;
    else if (char === '\u0302') out += out.slice(-1);
    else if (char === '\u0306' || char === '\u031b') out += 'w';
    else if (char === 'đ' || char === 'Đ') out += char === 'Đ' ? 'DD' : 'dd';
    else out += char;
  }
  return out + tone;
}

export function dirtyName(random: SeededRandom, name: string): string {
  let words = name.split(' ');
  if (random.chance(0.05) && SURNAME_VARIANTS[words[0]!]) words[0] = SURNAME_VARIANTS[words[0]!]!;
  if (random.chance(0.05) && words.length > 2) words = [words[0]!, words[words.length - 1]!];
  if (random.chance(0.04)) {
    const index = random.int(0, words.length - 1);
    words[index] = typo(random, words[index]!);
  }
  if (random.chance(0.02)) words = [...words.slice(1), words[0]!];
  let text = words.join(' ');
  if (random.chance(0.05)) for (const [from, to] of TONE_STYLES) text = text.replace(from, to);
  if (random.chance(0.03)) for (const [from, to] of OCR) text = text.replace(from, to);
  if (random.chance(0.01)) text = text.split(' ').map(asTelex).join(' ');
  if (random.chance(0.15)) text = foldToAscii(text).replace(/\b\w/g, (c) => c.toUpperCase());
  if (random.chance(0.2)) text = text.toLocaleUpperCase('vi');
  if (random.chance(0.05)) text = text.normalize('NFD');
  return text;
}

export function dirtyDate(random: SeededRandom, iso: string): string {
  const [year, month, day] = iso.split('-') as [string, string, string];
  return random.weighted<() => string>([
    [() => iso, 40],
    [() => `${day}/${month}/${year}`, 20],
    [() => `${Number(day)}/${Number(month)}/${year}`, 5],
    [() => `${year}${month}${day}`, 5],
    [() => year, 15],
    [() => `00/00/${year}`, 3],
    [() => (Number(day) <= 12 ? `${year}-${day}-${month}` : iso), 4],
    [() => `${year}-${month}-${String((Number(day) % 28) + 1).padStart(2, '0')}`, 3],
    [() => '', 5],
  ])();
}

/** An ID as sectors write it; `anotherId` gives someone else's (a relative's, or anyone's), drawn only when that is the dirt chosen. */
export function dirtyId(random: SeededRandom, id: string, anotherId: () => string): string {
  return random.weighted<() => string>([
    [() => id, 66],
    [() => '', 25],
    [
      () => {
        const at = random.int(6, 11);
        return id.slice(0, at) + String((Number(id[at]) + random.int(1, 9)) % 10) + id.slice(at + 1);
      },
      4,
    ],
    [
      () => {
        const at = random.int(6, 10);
        return id.slice(0, at) + id[at + 1] + id[at] + id.slice(at + 2);
      },
      2,
    ],
    [() => `${id.slice(0, 4)} ${id.slice(4, 8)} ${id.slice(8)}`, 2],
    [anotherId, 1],
  ])();
}

export function dirtyAddress(random: SeededRandom, address: string): string {
  return random.weighted<() => string>([
    [() => address, 40],
    [() => '', 30],
    [() => address.replace(/^Số /, '').replace(',', ''), 15],
    [() => foldToAscii(address), 15],
  ])();
}
