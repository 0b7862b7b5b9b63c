import type { FastifyInstance } from 'fastify';
import { currentVersionOf } from '../shared/linkage/settings-history.js';
import { stewardActor } from '../shared/review/steward-users.js';
import { appendAudit } from '../shared/store/audit-log.js';
import type { Pool } from '../shared/store/db.js';
import { listShadowRuns, shadowRunReport } from '../shared/store/shadow-runs.js';
import { settingsHistory } from '../shared/store/settings-versions.js';
import { idSchema } from './route-params.js';

/**
 * The linkage settings' lifecycle as supervisors see it: which version is current and how it
 * became so, and the saved shadow runs (what a settings change would do, or did, to decisions).
 * Read-only: settings are promoted and rolled back by an operator (`dancu settings`).
 */
export function settingsRoutes(app: FastifyInstance, pool: Pool): void {
  app.get(
    '/api/settings/shadow-runs',
    {
      config: { role: 'supervisor' },
      schema: {
        summary: 'The current linkage settings version, its history, and the saved shadow runs with their counts by transition (no examples)',
        tags: ['settings'],
      },
    },
    async () => {
      const history = await settingsHistory(pool);
      return { current: currentVersionOf(history), history: history.toReversed(), runs: await listShadowRuns(pool) };
    },
  );

  app.get<{ Params: { id: number } }>(
    '/api/settings/shadow-runs/:id',
    {
      config: { role: 'supervisor' },
      schema: {
        summary:
          'One saved shadow run: every transition with its examples, each decision explained with both settings (citizen and record ids, no names; audited)',
        tags: ['settings'],
        params: { type: 'object', properties: { id: idSchema }, required: ['id'], additionalProperties: false },
      },
    },
    async (request, reply) => {
      const run = await shadowRunReport(pool, request.params.id);
      if (!run) return reply.code(404).send({ error: 'SHADOW_RUN_NOT_FOUND', message: 'no such shadow run' });
      await appendAudit(pool, stewardActor(request.user!.username), 'SHADOW_RUN_VIEWED', [], { shadow_run_id: run.id, source_address: request.ip });
      return run;
    },
  );
}
