import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { RegisterBusyError } from '../../services/shared/errors.js';
import { createLogger } from '../../services/shared/observability/logger.js';
import { createMetrics } from '../../services/shared/observability/metrics.js';
import { topicsFor } from '../../services/shared/schemas/topics.js';
import type { Pool } from '../../services/shared/store/db.js';
import { loadConfig } from '../../services/steward/config.js';
import { buildStewardApp } from '../../services/steward/steward-app.js';

/** A value the register holds, as a database error can quote it: never in an answer or a log. */
const QUOTED_VALUE = 'Nguyễn Văn An 1987-03-14';

/** What node-postgres throws for a statement the server refuses: its message, and the SQLSTATE as `code`. */
function databaseError(code: string): Error {
  return Object.assign(new Error(`refused (${QUOTED_VALUE})`), { code });
}

interface LogLine {
  level: number;
  msg: string;
  code?: string;
  fault?: string;
  sqlstate?: string;
}

/** The steward app over a database whose every statement fails with `failure`, and what it logs. */
async function appFailingWith(failure: Error): Promise<{ app: FastifyInstance; lines: LogLine[]; text: string[] }> {
  const text: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text.push(chunk.toString());
      callback();
    },
  });
  const pool = { query: () => Promise.reject(failure), connect: () => Promise.reject(failure) } as unknown as Pool;
  const app = await buildStewardApp({
    pool,
    topics: topicsFor(),
    config: loadConfig({}),
    logger: createLogger({ level: 'info' }, stream),
    metrics: createMetrics(),
    wake: () => undefined,
  });
  return {
    app,
    text,
    get lines() {
      return text.map((line) => JSON.parse(line) as LogLine);
    },
  };
}

/** Sign-in: a public route whose first statement reads the steward's user. */
const signIn = (app: FastifyInstance) => app.inject({ method: 'POST', url: '/api/login', payload: { username: 'alice', password: 'correct horse battery' } });

describe('the steward API when the request fails through no fault of its own', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** The answer to anyone, signed in or not, when the deployment is at fault: the same words whatever the fault. */
  const MISCONFIGURED = { error: 'SERVICE_MISCONFIGURED', message: 'the service is not set up to do this; the fault is logged for its operator' };

  it('answers 503 SERVICE_MISCONFIGURED without naming the fault when its database role lacks a grant', async () => {
    const failing = await appFailingWith(databaseError('42501'));
    app = failing.app;
    const response = await signIn(app);
    expect({ status: response.statusCode, body: response.json<unknown>() }).toEqual({ status: 503, body: MISCONFIGURED });
  });

  it('answers 503 SERVICE_MISCONFIGURED in the same words when the database is read-only', async () => {
    const failing = await appFailingWith(databaseError('25006'));
    app = failing.app;
    const response = await signIn(app);
    expect({ status: response.statusCode, body: response.json<unknown>() }).toEqual({ status: 503, body: MISCONFIGURED });
  });

  it('answers a bearer token it cannot look up with 503 SERVICE_MISCONFIGURED, without naming the fault', async () => {
    const failing = await appFailingWith(databaseError('42501'));
    app = failing.app;
    const response = await app.inject({ method: 'GET', url: '/api/cases', headers: { authorization: 'Bearer anything' } });
    expect({ status: response.statusCode, body: response.json<unknown>() }).toEqual({ status: 503, body: MISCONFIGURED });
  });

  it('logs a deployment fault as an error by its code and what it most likely is, never the database message', async () => {
    const failing = await appFailingWith(databaseError('42501'));
    app = failing.app;
    await signIn(app);
    expect(failing.lines.filter((line) => line.level >= 50).map(({ msg, code, fault }) => ({ msg, code, fault }))).toEqual([
      { msg: 'deployment fault: the request failed', code: 'STORE_REJECTED_42501', fault: 'a database role lacks a grant' },
    ]);
    expect(failing.text.join('')).not.toContain('1987-03-14');
  });

  it('answers 503 REGISTER_BUSY, to try again, when PostgreSQL aborted the request for a concurrent transaction each time it ran', async () => {
    const failing = await appFailingWith(new RegisterBusyError(4, databaseError('40P01')));
    app = failing.app;
    const response = await signIn(app);
    expect({ status: response.statusCode, error: response.json<{ error: string }>().error }).toEqual({ status: 503, error: 'REGISTER_BUSY' });
  });

  it('logs such a request as a warning by its SQLSTATE, never the database message', async () => {
    const failing = await appFailingWith(new RegisterBusyError(4, databaseError('40001')));
    app = failing.app;
    await signIn(app);
    expect(failing.lines.filter((line) => line.level >= 40).map(({ msg, sqlstate }) => ({ msg, sqlstate }))).toEqual([
      { msg: 'request failed: aborted for concurrent transactions each time it ran', sqlstate: '40001' },
    ]);
    expect(failing.text.join('')).not.toContain('1987-03-14');
  });

  it('answers an abort of a statement that ran once (no retry) as SERVICE_UNAVAILABLE, not as REGISTER_BUSY', async () => {
    const failing = await appFailingWith(databaseError('40P01'));
    app = failing.app;
    const response = await signIn(app);
    expect({ status: response.statusCode, error: response.json<{ error: string }>().error }).toEqual({ status: 503, error: 'SERVICE_UNAVAILABLE' });
  });

  it('answers 503 SERVICE_UNAVAILABLE, to try again, when the database does not answer', async () => {
    const failing = await appFailingWith(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    app = failing.app;
    const response = await signIn(app);
    expect({ status: response.statusCode, error: response.json<{ error: string }>().error }).toEqual({ status: 503, error: 'SERVICE_UNAVAILABLE' });
  });
});
