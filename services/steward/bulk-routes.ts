import type { FastifyInstance } from 'fastify';
import { actorOf } from './auth.js';
import { BULK_ACTIONS, MAX_BULK_CASES, batchStates, decideInBulk, undoBulk, type BulkRequest } from './bulk-decisions.js';
import type { StewardDeps } from './case-routes.js';
import { QueueRefusal } from './case-queue.js';
import { commentSchema, idSchema } from './route-params.js';

const batchParams = { type: 'object', properties: { batchId: idSchema }, required: ['batchId'], additionalProperties: false } as const;

/** Bulk decisions: one decision and one comment on cases that share a cause, and one undo for them all. */
export function bulkRoutes(app: FastifyInstance, { pool, topics, config, wake }: StewardDeps): void {
  app.post<{ Body: BulkRequest }>(
    '/api/bulk-decisions',
    {
      config: { role: 'steward' },
      schema: {
        summary: 'Decide many cases at once with one decision and one comment (REJECT, NEW or DISTINCT; never a merge or a link)',
        description:
          'Each case is given with the version the page showed. A case claimed by another steward, changed since (STALE_CASE), decided already or not allowing the action is skipped with its code; the rest are decided, each published and audited as a decision of its own.',
        tags: ['decisions'],
        body: {
          type: 'object',
          properties: {
            cases: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_BULK_CASES,
              items: {
                type: 'object',
                properties: { id: idSchema, version: { type: 'integer', minimum: 1, maximum: 2_000_000_000 } },
                required: ['id', 'version'],
                additionalProperties: false,
              },
            },
            action: { type: 'string', enum: [...BULK_ACTIONS] },
            comment: commentSchema,
            selection: {
              type: 'object',
              maxProperties: 16,
              additionalProperties: { type: ['string', 'number'], maxLength: 120 },
              default: {},
            },
          },
          required: ['cases', 'action', 'comment'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const outcome = await decideInBulk(pool, topics, actorOf(request), request.body, config.DANCU_STEWARD_CLAIM_MINUTES);
      wake();
      return reply.code(outcome.batch_id === null ? 200 : 202).send(outcome);
    },
  );

  app.get<{ Querystring: { limit: number } }>(
    '/api/bulk-decisions',
    {
      schema: {
        summary: 'The latest bulk decisions, each with how many of its decisions are applied, refused or pending (no personal data)',
        tags: ['decisions'],
        querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }, additionalProperties: false },
      },
    },
    async (request) => ({ batches: await batchStates(pool, actorOf(request), { limit: request.query.limit }) }),
  );

  app.get<{ Params: { batchId: number } }>(
    '/api/bulk-decisions/:batchId',
    { schema: { summary: 'A bulk decision and how far the store has applied it (no personal data)', tags: ['decisions'], params: batchParams } },
    async (request) => {
      const [batch] = await batchStates(pool, actorOf(request), { batchId: request.params.batchId });
      if (!batch) throw new QueueRefusal(404, 'BATCH_NOT_FOUND', 'no such bulk decision');
      return batch;
    },
  );

  app.post<{ Params: { batchId: number }; Body: { comment: string } }>(
    '/api/bulk-decisions/:batchId/undo',
    {
      config: { role: 'steward' },
      schema: {
        summary: "Undo a whole bulk decision: every decision of it still standing is undone, the cases open again (its steward's or a supervisor's)",
        tags: ['decisions'],
        params: batchParams,
        body: { type: 'object', properties: { comment: commentSchema }, required: ['comment'], additionalProperties: false },
      },
    },
    async (request, reply) => {
      const outcome = await undoBulk(pool, topics, request.params.batchId, actorOf(request), request.body.comment);
      wake();
      return reply.code(202).send(outcome);
    },
  );
}
