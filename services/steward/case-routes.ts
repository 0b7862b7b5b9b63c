import type { FastifyInstance } from 'fastify';
import type { Topics } from '../shared/schemas/topics.js';
import type { Pool } from '../shared/store/db.js';
import {
  caseDecisions,
  claimCase,
  decideCase,
  decisionStatus,
  listCases,
  releaseCase,
  undoDecision,
  type CaseFilter,
  type DecisionRequest,
} from './case-queue.js';
import { caseHistory } from './case-history.js';
import { caseView, citizensShown } from './case-view.js';
import { caseProposals } from './merge-proposals.js';
import { caseIdParams, commentSchema, citizenIdSchema, decisionIdSchema, idSchema, MAX_AGE_HOURS, reasonSchema, sourceSchema } from './route-params.js';
import type { StewardConfig } from './config.js';
import { actorOf } from './auth.js';
import { appendAudit } from '../shared/store/audit-log.js';
import { stewardActor } from '../shared/review/steward-users.js';
import { caseEtag, expectedVersion, ifMatchHeaders } from './case-version.js';
import { WORK_LIST_QUERY } from './work-lists.js';

const decisionAccepted = {
  type: 'object',
  properties: { decision_id: { type: 'string' }, action: { type: 'string' }, status: { type: 'string', enum: ['published'] } },
} as const;

export interface StewardDeps {
  pool: Pool;
  topics: Topics;
  config: StewardConfig;
  /** Relays the outbox now (a decision waits for no poll). */
  wake: () => void;
}

export function caseRoutes(app: FastifyInstance, { pool, topics, config, wake }: StewardDeps): void {
  app.get<{ Querystring: Partial<CaseFilter> }>(
    '/api/cases',
    {
      schema: {
        summary: 'The review queue, most urgent and oldest first, with counts for the filters (no personal data)',
        tags: ['cases'],
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['open', 'claimed', 'decided', 'all'], default: 'open' },
            source: sourceSchema,
            reason: reasonSchema,
            minScore: { type: 'number', minimum: 0, maximum: 1 },
            maxScore: { type: 'number', minimum: 0, maximum: 1 },
            olderThanHours: { type: 'number', minimum: 0, maximum: MAX_AGE_HOURS },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
            ...WORK_LIST_QUERY,
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => listCases(pool, { ...(request.query as CaseFilter), forUser: request.user!.username }),
  );

  app.get<{ Params: { id: number } }>(
    '/api/cases/:id',
    {
      schema: {
        summary:
          "A case: the record, where it comes from, and its candidate citizens side by side, each score explained as stored and as it is now; the decisions taken and the case's history (audited)",
        tags: ['cases'],
        params: caseIdParams,
      },
    },
    async (request, reply) => {
      const view = await caseView(pool, request.params.id);
      if (!view) return reply.code(404).send({ error: 'CASE_NOT_FOUND', message: 'no such review case' });
      await appendAudit(pool, stewardActor(request.user!.username), 'CASE_VIEWED', citizensShown(view), {
        case_id: request.params.id,
        source_address: request.ip,
      });
      reply.header('etag', caseEtag(view.case.version));
      return {
        ...view,
        decisions: await caseDecisions(pool, request.params.id, request.user!),
        merge_proposals: await caseProposals(pool, request.params.id),
        // Read after this view's own audit row: the history shows it.
        history: await caseHistory(pool, request.params.id, view.case.created_at),
      };
    },
  );

  app.post<{ Params: { id: number } }>(
    '/api/cases/:id/claim',
    {
      config: { role: 'steward' },
      schema: {
        summary: 'Take the case: no other steward may decide it while the claim is fresh',
        tags: ['cases'],
        params: caseIdParams,
        headers: ifMatchHeaders,
      },
    },
    async (request) => {
      await claimCase(pool, request.params.id, actorOf(request), config.DANCU_STEWARD_CLAIM_MINUTES, expectedVersion(request));
      return { ok: true };
    },
  );

  app.post<{ Params: { id: number } }>(
    '/api/cases/:id/release',
    {
      config: { role: 'steward' },
      schema: { summary: "Give the claim back (an admin may release anyone's)", tags: ['cases'], params: caseIdParams, headers: ifMatchHeaders },
    },
    async (request) => {
      await releaseCase(pool, request.params.id, actorOf(request), expectedVersion(request));
      return { ok: true };
    },
  );

  app.post<{ Params: { id: number }; Body: DecisionRequest }>(
    '/api/cases/:id/decisions',
    {
      config: { role: 'steward' },
      schema: {
        summary: "Decide the case; published on steward.decisions.v1 and applied by the store like the linker's decisions",
        description:
          'LINK the record to citizenId; NEW: the record is a person not in the register; REJECT the record (its source is told); DISTINCT: a possible duplicate pair are two people. MERGE is refused here (MERGE_NEEDS_APPROVAL): a merge is proposed and approved by a second steward (/api/cases/{id}/merge-proposals).',
        tags: ['decisions'],
        params: caseIdParams,
        headers: ifMatchHeaders,
        body: {
          type: 'object',
          properties: {
            action: { type: 'string', enum: ['LINK', 'NEW', 'REJECT', 'MERGE', 'DISTINCT'] },
            citizenId: citizenIdSchema,
            otherCitizenId: citizenIdSchema,
            comment: commentSchema,
          },
          required: ['action', 'comment'],
          additionalProperties: false,
        },
        response: { 202: decisionAccepted },
      },
    },
    async (request, reply) => {
      const decision = await decideCase(
        pool,
        topics,
        request.params.id,
        actorOf(request),
        request.body,
        config.DANCU_STEWARD_CLAIM_MINUTES,
        expectedVersion(request),
      );
      wake();
      return reply.code(202).send({ decision_id: decision.decision_id, action: decision.action, status: 'published' });
    },
  );

  app.post<{ Params: { id: number; decisionId: string }; Body: { comment: string } }>(
    '/api/cases/:id/decisions/:decisionId/undo',
    {
      config: { role: 'steward' },
      schema: {
        summary: 'Undo an applied decision (unlink, unmerge, remove the citizen it made, withdraw its constraints); the case opens again',
        tags: ['decisions'],
        params: { type: 'object', properties: { id: idSchema, decisionId: decisionIdSchema }, required: ['id', 'decisionId'], additionalProperties: false },
        headers: ifMatchHeaders,
        body: {
          type: 'object',
          properties: { comment: commentSchema },
          required: ['comment'],
          additionalProperties: false,
        },
        response: { 202: decisionAccepted },
      },
    },
    async (request, reply) => {
      const decision = await undoDecision(
        pool,
        topics,
        request.params.id,
        request.params.decisionId,
        actorOf(request),
        request.body.comment,
        expectedVersion(request),
      );
      wake();
      return reply.code(202).send({ decision_id: decision.decision_id, action: decision.action, status: 'published' });
    },
  );

  app.get<{ Params: { decisionId: string } }>(
    '/api/decisions/:decisionId',
    {
      schema: {
        summary: 'Whether the store has applied a decision yet: pending, applied or refused (no personal data; the case shows the rest)',
        tags: ['decisions'],
        params: { type: 'object', properties: { decisionId: decisionIdSchema }, required: ['decisionId'], additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              decision_id: { type: 'string' },
              case_id: { type: 'integer' },
              action: { type: 'string' },
              decided_at: { type: 'string', format: 'date-time' },
              applied_at: { type: ['string', 'null'], format: 'date-time' },
              status: { type: 'string', enum: ['pending', 'applied', 'refused'] },
              undone_by: { type: ['string', 'null'] },
            },
            additionalProperties: false,
          },
        },
      },
    },
    async (request, reply) => {
      const decision = await decisionStatus(pool, request.params.decisionId);
      return decision ?? reply.code(404).send({ error: 'DECISION_NOT_FOUND', message: 'no such decision' });
    },
  );
}
