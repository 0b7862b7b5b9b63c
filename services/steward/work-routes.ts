import type { FastifyInstance } from 'fastify';
import { listUsers, hasRole } from '../shared/review/steward-users.js';
import type { Pool } from '../shared/store/db.js';
import { actorOf } from './auth.js';
import { addMember, assignCases, caseStates, deleteRule, listRules, listTeams, removeMember, saveRule, teamsOf, type AssignTarget } from './case-assignment.js';
import { idSchema, sourceSchema, usernameSchema } from './route-params.js';
import { placeSchema, teamSchema } from './work-lists.js';

const caseIdList = { type: 'array', items: idSchema, minItems: 1, maxItems: 500, uniqueItems: true } as const;
const memberParams = {
  type: 'object',
  properties: { team: teamSchema, username: usernameSchema },
  required: ['team', 'username'],
  additionalProperties: false,
} as const;

/** Live case states, assignment of cases, teams and the rules that route cases to them. */
export function workRoutes(app: FastifyInstance, pool: Pool): void {
  app.get<{ Querystring: { ids: string } }>(
    '/api/case-states',
    {
      schema: {
        summary: "The cases' current version, status, claim and assignment, for a page to refresh without reloading (no personal data; not audited)",
        tags: ['cases'],
        querystring: {
          type: 'object',
          properties: { ids: { type: 'string', maxLength: 3200, pattern: '^[0-9]{1,15}(,[0-9]{1,15}){0,199}$' } },
          required: ['ids'],
          additionalProperties: false,
        },
      },
    },
    async (request) => ({ cases: await caseStates(pool, request.query.ids.split(',').map(Number)) }),
  );

  app.post<{ Body: { caseIds: number[]; username?: string; team?: string } }>(
    '/api/cases/assign',
    {
      config: { role: 'supervisor' },
      schema: {
        summary: 'Assign open cases to a steward, or to a team, or (neither named) back to the assignment rules; decided cases are left as they are',
        tags: ['assignment'],
        body: {
          type: 'object',
          properties: { caseIds: caseIdList, username: usernameSchema, team: teamSchema },
          required: ['caseIds'],
          additionalProperties: false,
          not: { required: ['username', 'team'] },
        },
      },
    },
    async (request) => {
      const { caseIds, username, team } = request.body;
      const target: AssignTarget = username ? { username } : team ? { team } : { rules: true };
      return { assigned: await assignCases(pool, caseIds, target, actorOf(request)) };
    },
  );

  app.get(
    '/api/teams',
    {
      schema: {
        summary: 'Teams with their members, the assignment rules, the stewards cases can go to, and the teams of the signed-in user',
        tags: ['assignment'],
      },
    },
    async (request) => {
      const users = await listUsers(pool);
      return {
        teams: await listTeams(pool),
        rules: await listRules(pool),
        stewards: users.filter((u) => !u.disabled_at && hasRole(u.role, 'steward')).map((u) => u.username),
        mine: await teamsOf(pool, request.user!.username),
      };
    },
  );

  app.put<{ Params: { team: string; username: string } }>(
    '/api/teams/:team/members/:username',
    {
      config: { role: 'supervisor' },
      schema: { summary: 'Add a steward to a team (a new name makes a new team)', tags: ['assignment'], params: memberParams },
    },
    async (request) => {
      await addMember(pool, request.params.team, request.params.username, actorOf(request));
      return { ok: true };
    },
  );

  app.delete<{ Params: { team: string; username: string } }>(
    '/api/teams/:team/members/:username',
    { config: { role: 'supervisor' }, schema: { summary: 'Take a steward off a team', tags: ['assignment'], params: memberParams } },
    async (request) => {
      await removeMember(pool, request.params.team, request.params.username, actorOf(request));
      return { ok: true };
    },
  );

  app.post<{ Body: { source?: string; province?: string; team: string } }>(
    '/api/assignment-rules',
    {
      config: { role: 'supervisor' },
      schema: {
        summary:
          "Route the open cases of a source and/or a province to a team (the most specific rule wins); the same source and province again changes the rule's team",
        tags: ['assignment'],
        body: {
          type: 'object',
          properties: { source: sourceSchema, province: placeSchema, team: teamSchema },
          required: ['team'],
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await saveRule(pool, request.body, actorOf(request))),
  );

  app.delete<{ Params: { ruleId: number } }>(
    '/api/assignment-rules/:ruleId',
    {
      config: { role: 'supervisor' },
      schema: {
        summary: 'Remove an assignment rule',
        tags: ['assignment'],
        params: { type: 'object', properties: { ruleId: idSchema }, required: ['ruleId'], additionalProperties: false },
      },
    },
    async (request) => {
      await deleteRule(pool, request.params.ruleId, actorOf(request));
      return { ok: true };
    },
  );
}
