import type { FastifyInstance } from 'fastify';
import type { Pool } from '../shared/store/db.js';
import { appendAudit } from '../shared/store/audit-log.js';
import { changePassword, ROLES, stewardActor, verifyPassword } from '../shared/review/steward-users.js';
import { SESSION_COOKIE, sessionToken } from './auth.js';
import { closeSession, hashToken, openSession } from './sessions.js';
import { LoginThrottle } from './login-throttle.js';
import type { StewardConfig } from './config.js';
import { passwordSchema, usernameSchema } from './route-params.js';

const userSchema = {
  type: 'object',
  properties: { username: { type: 'string' }, role: { type: 'string', enum: [...ROLES] } },
  required: ['username', 'role'],
} as const;

const errorSchema = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } } } as const;

export function authRoutes(app: FastifyInstance, pool: Pool, config: StewardConfig): void {
  const throttle = new LoginThrottle(config.DANCU_STEWARD_LOGIN_ATTEMPTS_PER_MINUTE);
  app.post<{ Body: { username: string; password: string } }>(
    '/api/login',
    {
      config: { public: true },
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
          401: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const retryAfterMs = throttle.retryAfterMs(request.ip, Date.now());
      if (retryAfterMs > 0) {
        const seconds = Math.ceil(retryAfterMs / 1000);
        return reply
          .code(429)
          .header('retry-after', String(seconds))
          .send({ error: 'TOO_MANY_LOGIN_ATTEMPTS', message: `too many failed sign-ins from this address; try again in ${seconds} s` });
      }
      const user = await verifyPassword(pool, request.body.username, request.body.password);
      if (!user) {
        throttle.recordFailure(request.ip, Date.now());
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

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/password',
    {
      schema: {
        summary: "Change one's own password; the user's other sessions end, this one stays",
        tags: ['session'],
        body: {
          type: 'object',
          properties: { currentPassword: passwordSchema, newPassword: passwordSchema },
          required: ['currentPassword', 'newPassword'],
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } }, 401: errorSchema },
      },
    },
    async (request, reply) => {
      const username = request.user!.username;
      if (!(await verifyPassword(pool, username, request.body.currentPassword))) {
        await appendAudit(pool, stewardActor(username), 'STEWARD_PASSWORD_CHANGE_FAILED', [], { source_address: request.ip });
        return reply.code(401).send({ error: 'BAD_CREDENTIALS', message: 'the current password is wrong' });
      }
      await changePassword(pool, username, request.body.newPassword, hashToken(sessionToken(request)!.token));
      await appendAudit(pool, stewardActor(username), 'STEWARD_PASSWORD_CHANGED', [], { source_address: request.ip });
      return { ok: true };
    },
  );
}
