/**
 * JSON with every object's keys sorted at every depth and undefined fields left out, so two values
 * that differ only in key order give one text: what a content hash is taken of (a settings file's
 * version, a snapshot read's identity). A bigint is written as its digits, in quotes.
 * `nullAsAbsent` leaves out an object's null fields too (an array's nulls stay, their places count):
 * for an Avro event, a field its writer's schema added as optional and left null says nothing.
 */
export function canonicalJson(value: unknown, options: { nullAsAbsent?: boolean } = {}): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, options)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && !(options.nullAsAbsent && v === null))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, options)}`).join(',')}}`;
  }
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  return JSON.stringify(value) ?? 'null';
}
