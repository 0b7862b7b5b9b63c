import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { abortedForAnother, asDancuError, DancuError, deploymentFault } from '../shared/errors.js';
import type { Logger } from '../shared/observability/logger.js';
import { checkReadiness, type ReadinessCheck } from '../shared/observability/health.js';
import type { Metrics } from '../shared/observability/metrics.js';
import { REPO_ROOT } from '../shared/paths.js';
import { installAuthentication } from './auth.js';
import { authRoutes } from './auth-routes.js';
import { QueueRefusal } from './case-queue.js';
import { caseRoutes, type StewardDeps } from './case-routes.js';
import { citizenRoutes } from './citizen-routes.js';
import { mergeRoutes } from './merge-routes.js';
import { settingsRoutes } from './settings-routes.js';
import { searchRoutes } from './search-routes.js';
import { workRoutes } from './work-routes.js';
import { bulkRoutes } from './bulk-routes.js';

const UI_DIR = join(REPO_ROOT, 'services', 'steward', 'ui');

/**
 * The steward service's HTTP side: the review UI (static files, no build step), its JSON API
 * with an OpenAPI document at /api/openapi.json, and /healthz. Request lines are logged by route
 * pattern, never by URL: URLs hold citizen ids, which may be personal IDs. /metrics and /readyz
 * (login counters, dependencies) are on the management port, not here.
 */
/** Fastify's own client errors (no route, too large a body, …) by a code the UI can translate, not a blanket BAD_REQUEST. */
export const CLIENT_ERROR_CODES: Readonly<Record<number, string>> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

function clientErrorCode(error: Error, status: number): string {
  if ('code' in error && typeof error.code === 'string' && !error.code.startsWith('FST_')) return error.code;
  return CLIENT_ERROR_CODES[status] ?? 'BAD_REQUEST';
}

/**
 * The codes of the API's answers to a failure that is not the request's, for the UI to translate:
 * a fault of the deployment (a grant, a login, a read-only or unmigrated database) and a
 * dependency that does not answer are 503, since the same request succeeds once an operator has
 * fixed the one or the other is back; only a failure of dancu itself is 500.
 */
export const SERVER_ERROR_CODES = ['SERVICE_MISCONFIGURED', 'SERVICE_UNAVAILABLE', 'REGISTER_BUSY', 'INTERNAL'] as const;

/**
 * The answer's words for each of SERVER_ERROR_CODES, the same whatever the failure: anyone can
 * get one (the login route is public, and a session is looked up before its token is known to
 * be good), and what the deployment lacks is the operator's to read, in the log.
 */
const SERVER_ERROR_MESSAGES: Record<(typeof SERVER_ERROR_CODES)[number], string> = {
  SERVICE_MISCONFIGURED: 'the service is not set up to do this; the fault is logged for its operator',
  SERVICE_UNAVAILABLE: 'a service the steward API depends on does not answer; try again shortly',
  REGISTER_BUSY: 'the register was changing the same records at that moment, each time the request was tried; nothing was changed: try again',
  INTERNAL: 'the request failed; it is logged',
};

/**
 * A failure that is not the request's. Database errors can quote the values they failed on: the
 * log holds the code and, for a fault of the deployment, what it most likely is (deploymentFault's
 * fixed words), never the error's message; the answer holds only SERVER_ERROR_MESSAGES.
 */
function serverFailure(error: Error, request: FastifyRequest, reply: FastifyReply, logger: Logger): FastifyReply {
  const route = request.routeOptions.url;
  const failure = asDancuError(error);
  const fault = failure.retriable ? deploymentFault(failure) : null;
  const answer = (status: number, code: (typeof SERVER_ERROR_CODES)[number]) => reply.code(status).send({ error: code, message: SERVER_ERROR_MESSAGES[code] });
  if (fault !== null) {
    logger.error({ code: failure.code, fault, route }, 'deployment fault: the request failed');
    return answer(503, 'SERVICE_MISCONFIGURED');
  }
  // Aborted by PostgreSQL for a concurrent transaction's sake each time it ran (store/db.ts, inRetriedTransaction): the database answers.
  if (failure.code === 'REGISTER_BUSY') {
    logger.warn({ code: failure.code, sqlstate: abortedForAnother(error), route }, 'request failed: aborted for concurrent transactions each time it ran');
    return answer(503, 'REGISTER_BUSY');
  }
  if (failure.retriable) {
    logger.error({ code: failure.code, route }, 'request failed: a dependency is unavailable');
    return answer(503, 'SERVICE_UNAVAILABLE');
  }
  logger.error({ code: 'code' in error ? error.code : undefined, route }, 'request failed');
  return answer(500, 'INTERNAL');
}

export async function buildStewardApp(deps: StewardDeps & { logger: Logger; metrics: Metrics }): Promise<FastifyInstance> {
  const { pool, config, logger, metrics } = deps;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    trustProxy: false,
  });
  const secret = config.DANCU_STEWARD_COOKIE_SECRET || randomBytes(32).toString('hex');
  await app.register(fastifyCookie, { secret });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure: config.DANCU_STEWARD_SECURE_COOKIES },
    csrfOpts: { hmacKey: secret },
    getUserInfo: (request) => request.user?.username ?? '',
  });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'dancu steward API',
        version: '1',
        description:
          'Review queue of uncertain matches: list, claim, decide, undo. Sign in with POST /api/login and send the token as a bearer token (or the session cookie and X-CSRF-Token from a browser).',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'dancu_session' } } },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });
  await app.register(fastifyStatic, { root: UI_DIR, prefix: '/ui/', index: false, serve: true });

  installAuthentication(app, pool);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.stewardRequests.inc({ route, status: String(reply.statusCode) });
    logger.debug({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    // First: a queue refusal is a DancuError too, and carries its own status.
    if (error instanceof QueueRefusal) return reply.code(error.status).send({ error: error.code, message: error.message });
    if (error instanceof DancuError && !error.retriable) return reply.code(422).send({ error: error.code, message: error.message });
    // A value the route's schema refused: the message names the parameter and the rule.
    if ('validation' in error && error.validation) return reply.code(400).send({ error: 'INVALID_PARAMETER', message: error.message });
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status < 500) return reply.code(status).send({ error: clientErrorCode(error, status), message: error.message });
    return serverFailure(error, request, reply, logger);
  });

  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.sendFile('index.html'));
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, () => ({ alive: true, service: 'steward' }));

  authRoutes(app, pool, config);
  caseRoutes(app, deps);
  citizenRoutes(app, pool);
  mergeRoutes(app, deps);
  searchRoutes(app, pool, config);
  workRoutes(app, pool);
  bulkRoutes(app, deps);
  settingsRoutes(app, pool);
  return app;
}

/**
 * The management port's endpoints, /metrics, /readyz and /healthz: apart from the UI's port, so
 * that operators' counters and dependency states are not served to every browser that reaches
 * the review UI; a firewall opens this port to the monitoring network only.
 */
export async function buildManagementApp(deps: { logger: Logger; metrics: Metrics; checks: ReadinessCheck[] }): Promise<FastifyInstance> {
  const { metrics } = deps;
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  app.get('/healthz', () => ({ alive: true, service: 'steward' }));
  app.get('/readyz', async (_request, reply) => {
    const readiness = await checkReadiness(deps.checks);
    return reply.code(readiness.ready ? 200 : 503).send({ service: 'steward', ...readiness });
  });
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  return app;
}
