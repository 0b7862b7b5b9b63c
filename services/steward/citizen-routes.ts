import type { FastifyInstance } from 'fastify';
import type { Pool } from '../shared/store/db.js';
import { citizenView } from '../shared/store/citizen-view.js';
import { appendAudit } from '../shared/store/audit-log.js';
import { mergeHistory } from '../shared/store/citizen-merges.js';
import { stewardActor } from '../shared/review/steward-users.js';
import { citizenIdSchema } from './route-params.js';

export function citizenRoutes(app: FastifyInstance, pool: Pool): void {
  app.get<{ Params: { id: string } }>(
    '/api/citizens/:id',
    {
      schema: {
        summary: 'A citizen with their links, every value each field has had and where it came from, facts, findings and audit trail (audited)',
        tags: ['citizens'],
        params: { type: 'object', properties: { id: citizenIdSchema }, required: ['id'], additionalProperties: false },
      },
    },
    async (request, reply) => {
      const view = await citizenView(pool, request.params.id);
      if (!view) return reply.code(404).send({ error: 'CITIZEN_NOT_FOUND', message: 'no such citizen' });
      await appendAudit(pool, stewardActor(request.user!.username), 'CITIZEN_VIEWED', [view.citizen.citizen_id], { source_address: request.ip });
      return { ...view, merges: await mergeHistory(pool, view.citizen.citizen_id) };
    },
  );
}
