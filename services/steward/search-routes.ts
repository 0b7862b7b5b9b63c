import { createHmac, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { auditedQueryText, parseSearchQuery, type SearchQuery } from '../shared/register/search-query.js';
import { stewardActor } from '../shared/review/steward-users.js';
import { appendAudit } from '../shared/store/audit-log.js';
import { searchRegister, type SearchResult } from '../shared/store/citizen-search.js';
import type { Pool } from '../shared/store/db.js';
import { actorOf } from './auth.js';
import { QueueRefusal, type Actor } from './case-queue.js';
import type { StewardConfig } from './config.js';

export const MAX_SEARCH_RESULTS = 50;

interface SearchBody {
  query: string;
  birthDate?: string;
  limit?: number;
}

/**
 * A search is a view of personal data, audited like one: a row per citizen found (in the indexed
 * citizen_id column, so "who saw citizen X" finds it; one row naming no one when nothing was
 * found), with what kind of search it was, how many it found, the cases it listed and where it
 * came from. What was typed is kept only as a keyed digest (when the service has a key), never in
 * clear: the audit log's readers must not learn whom a steward looked for.
 */
async function auditSearch(pool: Pool, user: Actor, query: SearchQuery, result: SearchResult, auditKey: string): Promise<void> {
  const citizens = [...new Set(result.citizens.map((hit) => hit.citizen_id))];
  await appendAudit(pool, stewardActor(user.username), 'CITIZENS_SEARCHED', citizens, {
    search_id: randomUUID(),
    by: query.by,
    birth_date_given: query.birthDate !== null,
    results: citizens.length,
    truncated: result.truncated,
    case_ids: result.cases.map((c) => c.case_id),
    query_digest: auditKey ? createHmac('sha256', auditKey).update(auditedQueryText(query)).digest('hex') : null,
    source_address: user.sourceAddress,
  });
}

/**
 * Search by personal ID, record id or name (with or without diacritics) and birth date. A POST,
 * so that names and IDs travel in the body: URLs end up in browser histories and proxies' logs.
 */
export function searchRoutes(app: FastifyInstance, pool: Pool, config: StewardConfig): void {
  app.post<{ Body: SearchBody }>(
    '/api/search',
    {
      schema: {
        summary:
          'Find citizens by personal ID, record id or name (diacritics and case ignored), narrowed by a birth date; and records in review carrying them (audited)',
        description:
          'query: a personal ID, a citizen id, a sector record id (or system/record id), or a name, whole or its first words. birthDate: yyyy, yyyy-mm, yyyy-mm-dd or dd/mm/yyyy. At most `limit` citizens; `truncated` says there were more.',
        tags: ['citizens'],
        body: {
          type: 'object',
          properties: {
            query: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]*$' },
            birthDate: { type: 'string', maxLength: 10, pattern: '^[0-9/.-]*$' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_RESULTS, default: 20 },
          },
          required: ['query'],
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const parsed = parseSearchQuery(request.body.query, request.body.birthDate);
      if (!parsed.ok) throw new QueueRefusal(400, 'INVALID_PARAMETER', parsed.reason);
      const result = await searchRegister(pool, parsed.query, request.body.limit ?? 20);
      await auditSearch(pool, actorOf(request), parsed.query, result, config.DANCU_STEWARD_AUDIT_KEY);
      return { by: parsed.query.by, ...result };
    },
  );
}
