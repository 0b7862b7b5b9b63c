/** Two values one typo apart: one character mistyped, or two neighbouring characters swapped. Pure functions. */

/** The same length, one character different (a digit mistyped, in an ID or a date). */
export function oneDigitOff(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let differences = 0;
  for (let i = 0; i < a.length && differences < 2; i += 1) if (a[i] !== b[i]) differences += 1;
  return differences === 1;
}

/** Whether the string holds a UTF-16 surrogate: a character outside the basic plane, two units long. */
function hasSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if ((text.charCodeAt(i) & 0xf800) === 0xd800) return true;
  return false;
}

/** The same characters but two neighbouring ones swapped (079087000010 for …000001). */
export function transposed(a: string, b: string): boolean {
  if (a.length !== b.length || a === b) return false;
  // The first difference is found among characters (code points) but read back as units: a
  // string of basic-plane characters only (every feature the linker compares) skips the array.
  let at = 0;
  if (hasSurrogate(a)) at = [...a].findIndex((char, i) => char !== b[i]);
  else while (a.charCodeAt(at) === b.charCodeAt(at)) at += 1;
  return at >= 0 && at + 1 < a.length && a[at] === b[at + 1] && a[at + 1] === b[at] && a.endsWith(b.slice(at + 2));
}
