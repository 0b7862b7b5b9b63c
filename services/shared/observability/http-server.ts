import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from './logger.js';
import { checkReadiness, type ReadinessCheck } from './health.js';
import { collectProcessMetrics, type Metrics } from './metrics.js';

/** A route beyond the three every service has: returns false to let the server answer 404. */
export type Route = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;

export interface ObservabilityServer {
  port: number;
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
}

/**
 * The HTTP side every service has: `/healthz` (the process answers), `/readyz` (every
 * dependency answers, 503 with the failing ones otherwise), `/metrics` (Prometheus text).
 * Other routes (the monitor's dashboard) can be added.
 */
export async function startObservabilityServer(options: {
  service: string;
  host: string;
  port: number;
  checks: ReadinessCheck[];
  logger: Logger;
  metrics: Metrics;
  routes?: Route[];
}): Promise<ObservabilityServer> {
  const { metrics } = options;
  collectProcessMetrics(metrics);
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const handle = async () => {
      if (url.pathname === '/healthz') return send(response, 200, 'application/json', JSON.stringify({ alive: true, service: options.service }));
      if (url.pathname === '/readyz') {
        const readiness = await checkReadiness(options.checks);
        metrics.serviceReady.set({ service: options.service }, readiness.ready ? 1 : 0);
        return send(response, readiness.ready ? 200 : 503, 'application/json', JSON.stringify({ service: options.service, ...readiness }));
      }
      if (url.pathname === '/metrics') return send(response, 200, metrics.registry.contentType, await metrics.registry.metrics());
      for (const route of options.routes ?? []) if (await route(request, response, url)) return;
      send(response, 404, 'application/json', JSON.stringify({ error: 'not found' }));
    };
    handle().catch((error: unknown) => {
      options.logger.warn({ err: error instanceof Error ? error.message : String(error), path: url.pathname }, 'http request failed');
      if (!response.headersSent) send(response, 500, 'application/json', JSON.stringify({ error: 'internal error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ port }, 'http server listening');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
