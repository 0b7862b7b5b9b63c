import type { FastifyInstance } from 'fastify';
import { loadSurvivorship } from '../shared/register/survivorship.js';
import { actorOf } from './auth.js';
import { expectedVersion, ifMatchHeaders } from './case-version.js';
import type { StewardDeps } from './case-routes.js';
import { approveMerge, previewMerge, proposeMerge, rejectMerge, type MergeRequest, type ProposalRequest } from './merge-proposals.js';
import { caseIdParams, citizenIdSchema, commentSchema, idSchema } from './route-params.js';

const proposalParams = { type: 'object', properties: { proposalId: idSchema }, required: ['proposalId'], additionalProperties: false } as const;
const commentBody = { type: 'object', properties: { comment: commentSchema }, required: ['comment'], additionalProperties: false } as const;
const pair = { survivorId: citizenIdSchema, mergedId: citizenIdSchema } as const;

/**
 * Four-eyes merges: preview, propose (naming both citizens), and a second steward's approval or
 * rejection. Proposing, approving and rejecting take the case's version as If-Match, as every
 * other action on a case does: a steward never approves a merge on a case that changed since
 * their page showed it (412 STALE_CASE).
 */
export function mergeRoutes(app: FastifyInstance, { pool, topics, config, wake }: StewardDeps): void {
  const survivorship = loadSurvivorship(config.DANCU_SURVIVORSHIP_RULES);

  app.get<{ Params: { id: number }; Querystring: MergeRequest }>(
    '/api/cases/:id/merge-preview',
    {
      schema: {
        summary:
          "The citizen a merge of two of the case's citizens would leave: each field with the value that survives and the rule that chose it, and whether the evidence is against the merge (audited)",
        tags: ['merges'],
        params: caseIdParams,
        querystring: { type: 'object', properties: pair, required: ['survivorId', 'mergedId'], additionalProperties: false },
      },
    },
    async (request) => previewMerge(pool, survivorship, request.params.id, actorOf(request), request.query),
  );

  app.post<{ Params: { id: number }; Body: ProposalRequest }>(
    '/api/cases/:id/merge-proposals',
    {
      config: { role: 'steward' },
      schema: {
        summary: 'Propose merging mergedId into survivorId; applied only once a second steward approves it',
        description:
          'Refused with MERGE_EVIDENCE_AGAINST when both citizens hold different valid personal IDs and different birth years, or a never_link rule of the linkage settings holds for the pair (twins), unless a supervisor gives overrideReason.',
        tags: ['merges'],
        params: caseIdParams,
        headers: ifMatchHeaders,
        body: {
          type: 'object',
          properties: { ...pair, comment: commentSchema, overrideReason: commentSchema },
          required: ['survivorId', 'mergedId', 'comment'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await proposeMerge(pool, request.params.id, actorOf(request), request.body, expectedVersion(request))),
  );

  app.post<{ Params: { proposalId: number }; Body: { comment: string } }>(
    '/api/merge-proposals/:proposalId/approve',
    {
      config: { role: 'steward' },
      schema: {
        summary: 'Approve a proposed merge (a steward other than its proposer): the MERGE decision is published on steward.decisions.v1',
        tags: ['merges'],
        params: proposalParams,
        headers: ifMatchHeaders,
        body: commentBody,
      },
    },
    async (request, reply) => {
      const decision = await approveMerge(pool, topics, request.params.proposalId, actorOf(request), request.body.comment, expectedVersion(request));
      wake();
      return reply.code(202).send({ decision_id: decision.decision_id, action: decision.action, status: 'published' });
    },
  );

  app.post<{ Params: { proposalId: number }; Body: { comment: string } }>(
    '/api/merge-proposals/:proposalId/reject',
    {
      config: { role: 'steward' },
      schema: {
        summary: 'Reject (or withdraw) a proposed merge: nothing changes',
        tags: ['merges'],
        params: proposalParams,
        headers: ifMatchHeaders,
        body: commentBody,
      },
    },
    async (request) => {
      await rejectMerge(pool, request.params.proposalId, actorOf(request), request.body.comment, expectedVersion(request));
      return { ok: true };
    },
  );
}
