import type { FastifyRequest } from 'fastify';

/**
 * A stale page cannot act: the UI sends the version of the case it shows (`case.version`, also
 * the ETag of GET /api/cases/{id}) as If-Match with every claim, release, decision and undo, and
 * the action is refused with 412 STALE_CASE when the case has changed since (claimed by another
 * steward, decided and undone, its candidates refreshed by the linker). API clients that send no
 * If-Match act on the case as it is.
 */
export const ifMatchHeaders = {
  type: 'object',
  properties: { 'if-match': { type: 'string', maxLength: 20, pattern: '^(W/)?"?[0-9]{1,9}"?$' } },
} as const;

/** The case version an If-Match header names (its schema has checked the form); undefined without one. */
export function expectedVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  return typeof header === 'string' ? Number(header.replace(/^W\//, '').replaceAll('"', '')) : undefined;
}

/** The ETag of a case at a version: what If-Match sends back. */
export function caseEtag(version: number): string {
  return `"${version}"`;
}
