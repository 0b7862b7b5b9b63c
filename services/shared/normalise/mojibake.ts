/** Windows-1252 code points in 0x80–0x9F that differ from Latin-1, mapped back to their byte. */
const CP1252_BYTES: Record<string, number> = {
  '€': 0x80,
  '‚': 0x82,
  ƒ: 0x83,
  '„': 0x84,
  '…': 0x85,
  '†': 0x86,
  '‡': 0x87,
  ˆ: 0x88,
  '‰': 0x89,
  Š: 0x8a,
  '‹': 0x8b,
  Œ: 0x8c,
  Ž: 0x8e,
  '‘': 0x91,
  '’': 0x92,
  '“': 0x93,
  '”': 0x94,
  '•': 0x95,
  '–': 0x96,
  '—': 0x97,
  '˜': 0x98,
  '™': 0x99,
  š: 0x9a,
  '›': 0x9b,
  œ: 0x9c,
  ž: 0x9e,
  Ÿ: 0x9f,
};

const SUSPECT = /[ÃÄÆáº»]/;
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Repairs UTF-8 text that was read as Windows-1252/Latin-1 ("Nguyá»…n" → "Nguyễn"). Only text
 * that looks like it and decodes cleanly is changed; anything else is returned as it was.
 */
export function repairMojibake(text: string): string {
  if (!SUSPECT.test(text)) return text;
  const bytes: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const byte = code <= 0xff ? code : CP1252_BYTES[char];
    if (byte === undefined) return text;
    bytes.push(byte);
  }
  try {
    return decoder.decode(Uint8Array.from(bytes));
  } catch {
    return text;
  }
}
