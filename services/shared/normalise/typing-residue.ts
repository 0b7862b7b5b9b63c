/**
 * What Telex and VNI typing leave in a name when the input method was off: "Truwowfng",
 * "Nguyeenx", "Tru7o72ng", "DDoox". For matching only, on ASCII-folded words: the modifier and
 * tone keys are removed, leaving the letters the name folds to ("truong", "nguyen", "do").
 */
const SYLLABLE = /^[^aeiouy]*[aeiouy]+(c|ch|m|n|ng|nh|p|t)?$/;
const TONE_KEYS = 'sfrxj';

/** A word no Vietnamese syllable looks like, but Telex or VNI keys would explain. */
export function looksTyped(word: string): boolean {
  return !SYLLABLE.test(word) || /[aou]w|dd|aa|ee|oo|[a-z][0-9]/.test(word);
}

export function stripTypingResidue(word: string): string {
  const stripped = word
    .replace(/([a-z])[0-9]+/g, '$1')
    .replace(/dd/g, 'd')
    .replace(/aa/g, 'a')
    .replace(/ee/g, 'e')
    .replace(/oo/g, 'o')
    .replace(/w/g, '');
  if (SYLLABLE.test(stripped)) return stripped;
  const firstVowel = stripped.search(/[aeiouy]/);
  // Telex takes the tone key anywhere after the vowel: "hunfg", "nguyenx", "thij".
  for (let i = firstVowel + 1; firstVowel >= 0 && i < stripped.length; i += 1) {
    if (!TONE_KEYS.includes(stripped[i]!)) continue;
    const candidate = stripped.slice(0, i) + stripped.slice(i + 1);
    if (SYLLABLE.test(candidate)) return candidate;
  }
  return stripped;
}
