/**
 * Jaro–Winkler similarity, the same number the jaro-winkler package gives (its arithmetic in the
 * same order, so every link's weight stays what it was), without its allocations: the package
 * builds an options object and two arrays per call, and a linker at national density asks for
 * several similarities per candidate. The match flags live in two typed arrays reused between
 * calls; characters are compared as UTF-16 units, as the package's `s1[i] === s2[j]` compares them.
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
  let weight = (m / n1 + m / n2 + (m - transpositions / 2) / m) / 3;
  if (weight > 0.7) {
    // Both strings share their first `prefix` units; they are not equal, so the shorter one ends first at most.
    let prefix = 0;
    while (prefix < 4 && prefix < n1 && prefix < n2 && s1.charCodeAt(prefix) === s2.charCodeAt(prefix)) prefix += 1;
    weight = weight + prefix * 0.1 * (1 - weight);
  }
  return weight;
}
