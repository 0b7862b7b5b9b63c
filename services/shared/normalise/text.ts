import { repairMojibake } from './mojibake.js';

/** Unicode clean-up of Vietnamese text: the same spelling must give the same code points. */

const TONE_MARKS = /[\u0300\u0301\u0303\u0309\u0323]/;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060\ufeff]/g;

/**
 * Mis-decoded UTF-8 repaired, NFC, look-alike letters mapped (Icelandic Ð/ð typed for Vietnamese Đ/đ), control and
 * zero-width characters removed, spacing collapsed.
 */
export function cleanText(raw: string): string {
  return repairMojibake(raw)
    .normalize('NFC')
    .replace(/\u00d0/g, '\u0110')
    .replace(/\u00f0/g, '\u0111')
    .replace(CONTROL, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * One tone-mark convention for open syllables ending in oa, oe, uy: the mark on the first vowel
 * (hòa, hòe, thủy), as most official lists write them. "hoà" and "hòa" are the same name typed
 * in two conventions, and NFC alone does not unify them. "qu" is a consonant, so quý keeps its mark.
 */
export function unifyToneMarks(word: string): string {
  const decomposed = word.normalize('NFD');
  const tone = decomposed.match(TONE_MARKS)?.[0];
  if (!tone) return word;
  const bare = decomposed.replace(TONE_MARKS, '');
  const match = /^(.*?)([oOuU])([aAeEyY])$/.exec(bare);
  if (!match) return word;
  const [, head = '', first = '', second = ''] = match;
  const pair = `${first}${second}`.toLowerCase();
  if (!['oa', 'oe', 'uy'].includes(pair) || /[qQ]$/.test(head) || /[\u0300-\u036f]/.test(head.slice(-1))) return word;
  return `${head}${first}${tone}${second}`.normalize('NFC');
}

const FOLDED = new Map<string, string>();

function foldChar(char: string): string {
  let folded = FOLDED.get(char);
  if (folded === undefined) {
    folded = char
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd')
      .toLowerCase();
    FOLDED.set(char, folded);
  }
  return folded;
}

/**
 * Lower-case ASCII folding: diacritics dropped, đ→d (NFD leaves đ whole, so it is mapped by
 * hand). Folded per character through a cache: it runs for every name of a national register.
 */
export function foldToAscii(text: string): string {
  let out = '';
  for (const char of text.normalize('NFC')) out += char < '\u0080' ? char.toLowerCase() : foldChar(char);
  return out;
}

/** Vietnamese has no locale-specific case rules, so the plain (faster) case mappings serve. */
export function capitaliseWord(word: string): string {
  const lower = word.toLowerCase();
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}
