/**
 * Jaro–Winkler similarity, the same number the jaro-winkler package gives (its arithmetic in the
 * same order, so every link's weight stays what it was), without its allocations: the package
 * builds an options object and two arrays per call, and a linker at national density asks for
 * several similarities per candidate. The match flags live in two typed arrays reused between
 * calls; characters are compared as UTF-16 units, as the package's `s1[i] === s2[j]` compares them.
 * With it, a ceiling of the similarity that costs a count of the strings' units: a pair whose
 * ceiling is below a threshold needs no search.
 */

let flags1 = new Uint8Array(64);
let flags2 = new Uint8Array(64);

export function jaroWinkler(s1: string, s2: string): number {
  const n1 = s1.length;
  const n2 = s2.length;
  if (n1 === 0 || n2 === 0) return 0;
  if (s1 === s2) return 1;
  if (flags1.length < n1) flags1 = new Uint8Array(n1 * 2);
  if (flags2.length < n2) flags2 = new Uint8Array(n2 * 2);
  const matched1 = flags1;
  const matched2 = flags2;
  matched1.fill(0, 0, n1);
  matched2.fill(0, 0, n2);
  const range = Math.floor(Math.max(n1, n2) / 2) - 1;
  let m = 0;
  for (let i = 0; i < n1; i += 1) {
    const low = i >= range ? i - range : 0;
    const high = i + range <= n2 - 1 ? i + range : n2 - 1;
    const char = s1.charCodeAt(i);
    for (let j = low; j <= high; j += 1) {
      if (matched2[j] === 0 && char === s2.charCodeAt(j)) {
        m += 1;
        matched1[i] = 1;
        matched2[j] = 1;
        break;
      }
    }
  }
  if (m === 0) return 0;
  let k = 0;
  let transpositions = 0;
  for (let i = 0; i < n1; i += 1) {
    if (matched1[i] === 0) continue;
    let j = k;
    while (j < n2 && matched2[j] === 0) j += 1;
    k = j + 1;
    if (s1.charCodeAt(i) !== s2.charCodeAt(j)) transpositions += 1;
  }
  return boosted((m / n1 + m / n2 + (m - transpositions / 2) / m) / 3, s1, s2);
}

/** Winkler's boost of a Jaro weight above 0.7 by the units the two strings share at their start, up to four. */
function boosted(weight: number, s1: string, s2: string): number {
  if (weight <= 0.7) return weight;
  // Both strings share their first `prefix` units; they are not equal, so the shorter one ends first at most.
  let prefix = 0;
  while (prefix < 4 && prefix < s1.length && prefix < s2.length && s1.charCodeAt(prefix) === s2.charCodeAt(prefix)) prefix += 1;
  return weight + prefix * 0.1 * (1 - weight);
}

/** Per UTF-16 unit below 128 its count in the first string; every other unit shares the last slot. */
const unitCounts = new Int32Array(129);

/**
 * How many units of s2 can be paired with equal units of s1, ignoring where they stand: at least
 * as many as Jaro's matches, which pair equal units one to one within a window. Units from 128 up
 * count as one kind, which only raises the count.
 */
function commonUnits(s1: string, s2: string): number {
  for (let i = 0; i < s1.length; i += 1) unitCounts[Math.min(s1.charCodeAt(i), 128)]! += 1;
  let common = 0;
  for (let j = 0; j < s2.length; j += 1) {
    const unit = Math.min(s2.charCodeAt(j), 128);
    if (unitCounts[unit]! > 0) {
      unitCounts[unit]! -= 1;
      common += 1;
    }
  }
  for (let i = 0; i < s1.length; i += 1) unitCounts[Math.min(s1.charCodeAt(i), 128)] = 0;
  return common;
}

/**
 * A margin added to the ceiling. Rounding keeps the ceiling's arithmetic at or above the
 * similarity's step by step (each term is at least the similarity's, and the boost is increasing
 * in the weight); the margin only guards that argument.
 */
const CEILING_SLACK = 1e-12;

/**
 * A number jaroWinkler(s1, s2) never exceeds, for a fraction of its cost: Jaro's matches counted
 * as every unit the two strings have in common, with no transposition, and the Winkler boost of
 * their common prefix. A linker compares each record with dozens of candidates that are other
 * people, whose names share too few letters to reach a level's threshold; this tells it so
 * without the windowed search.
 */
export function jaroWinklerCeiling(s1: string, s2: string): number {
  const n1 = s1.length;
  const n2 = s2.length;
  if (n1 === 0 || n2 === 0) return 0;
  if (s1 === s2) return 1;
  const common = commonUnits(s1, s2);
  if (common === 0) return 0;
  return boosted((common / n1 + common / n2 + 1) / 3, s1, s2) + CEILING_SLACK;
}
