import type { FastifyInstance } from 'fastify';
import type { Pool } from '../shared/store/db.js';
import { appendAudit } from '../shared/store/audit-log.js';
import { ROLES, stewardActor, verifyPassword } from '../shared/review/steward-users.js';
import { SESSION_COOKIE, sessionToken } from './auth.js';
import { closeSession, openSession } from './sessions.js';
import type { StewardConfig } from './config.js';
import { passwordSchema, usernameSchema } from './route-params.js';

const userSchema = {
  type: 'object',
  properties: { username: { type: 'string' }, role: { type: 'string', enum: [...ROLES] } },
  required: ['username', 'role'],
} as const;

export function authRoutes(app: FastifyInstance, pool: Pool, config: StewardConfig): void {
  app.post<{ Body: { username: string; password: string } }>(
    '/api/login',
    {
      config: {
        public: true,
        rateLimit: { max: config.DANCU_STEWARD_LOGIN_ATTEMPTS_PER_MINUTE, timeWindow: 60_000 },
      },
      schema: {
        summary: 'Sign in; sets the session cookie for the browser and returns a bearer token for API clients',
        tags: ['session'],
        body: {
          type: 'object',
          properties: { username: usernameSchema, password: passwordSchema },
          required: ['username', 'password'],
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: { user: userSchema, token: { type: 'string' }, csrfToken: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } },
          },
          401: { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
    async (request, reply) => {
      const user = await verifyPassword(pool, request.body.username, request.body.password);
      if (!user) {
        await appendAudit(pool, stewardActor(request.body.username), 'STEWARD_LOGIN_FAILED', [], { source_address: request.ip });
        return reply.code(401).send({ error: 'BAD_CREDENTIALS', message: 'wrong user name or password' });
      }
      const session = await openSession(pool, user, config.DANCU_STEWARD_SESSION_HOURS);
      await appendAudit(pool, stewardActor(user.username), 'STEWARD_LOGIN', [], { source_address: request.ip });
      reply.setCookie(SESSION_COOKIE, session.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: config.DANCU_STEWARD_SECURE_COOKIES,
        expires: session.expiresAt,
      });
      request.user = user;
      const csrfToken = reply.generateCsrf({ userInfo: user.username });
      return { user, token: session.token, csrfToken, expiresAt: session.expiresAt.toISOString() };
    },
  );

  app.get(
    '/api/session',
    {
      schema: {
        summary: 'Who is signed in, with a fresh CSRF token for the browser',
        tags: ['session'],
        response: { 200: { type: 'object', properties: { user: userSchema, csrfToken: { type: 'string' } } } },
      },
    },
    async (request, reply) => ({ user: request.user, csrfToken: reply.generateCsrf({ userInfo: request.user!.username }) }),
  );

  app.post('/api/logout', { schema: { summary: 'Sign out: the session ends on the server', tags: ['session'] } }, async (request, reply) => {
    const presented = sessionToken(request);
    if (presented) await closeSession(pool, presented.token);
    await appendAudit(pool, stewardActor(request.user!.username), 'STEWARD_LOGOUT', [], { source_address: request.ip });
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });
}
