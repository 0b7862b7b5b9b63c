import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from '../shared/store/db.js';
import { hasRole, type Role, type StewardUser } from '../shared/review/steward-users.js';
import { sessionUser } from './sessions.js';

export const SESSION_COOKIE = 'dancu_session';

declare module 'fastify' {
  interface FastifyRequest {
    user: StewardUser | null;
    /** How the caller signed in: the browser's cookie (forms must carry a CSRF token) or a bearer token (API clients). */
    authVia: 'cookie' | 'bearer' | null;
  }
  interface FastifyContextConfig {
    /** Open without signing in: the login page and call, health probes, metrics. */
    public?: boolean;
    /** The least role that may call the route (viewer when not set). */
    role?: Role;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
}

export function sessionToken(request: FastifyRequest): { token: string; via: 'cookie' | 'bearer' } | null {
  const bearer = bearerToken(request);
  if (bearer) return { token: bearer, via: 'bearer' };
  const cookie = request.cookies[SESSION_COOKIE];
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/**
 * Every route needs a signed-in user unless it says it is public, and the role it names; a
 * state-changing call made with the browser's cookie must carry the CSRF token of that user.
 * Pages redirect to the login page, API calls answer 401.
 */
export function installAuthentication(app: FastifyInstance, pool: Pool): void {
  app.decorateRequest('user', null);
  app.decorateRequest('authVia', null);
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    // The UI's own files (code, styles, the login page) hold no data: every datum comes through the API.
    if (config.public || request.routeOptions.url?.startsWith('/ui/')) return;
    const presented = sessionToken(request);
    const user = presented ? await sessionUser(pool, presented.token) : null;
    if (!user || !presented) {
      if (request.method === 'GET' && !request.url.startsWith('/api/')) return reply.redirect('/ui/login.html');
      return reply.code(401).send({ error: 'UNAUTHENTICATED', message: 'sign in first' });
    }
    request.user = user;
    request.authVia = presented.via;
    if (!hasRole(user.role, config.role ?? 'viewer')) return reply.code(403).send({ error: 'FORBIDDEN', message: `this needs the ${config.role} role` });
    return undefined;
  });
  // The plugin answers 403 itself when the token is missing or not this user's.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.authVia === 'cookie' && UNSAFE_METHODS.has(request.method)) app.csrfProtection(request, reply, done);
    else done();
  });
}

/** The signed-in user of a route that requires one, with the address the request came from (for the audit log). */
export function actorOf(request: FastifyRequest): StewardUser & { sourceAddress: string } {
  if (!request.user) throw new Error('actorOf on a route without a signed-in user');
  return { ...request.user, sourceAddress: request.ip };
}
