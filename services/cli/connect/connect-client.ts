import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectorDefinition } from './connector-config.js';

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string };
  tasks: { id: number; state: string; worker_id: string; trace?: string }[];
}

/** Kafka Connect's REST API, the calls `dancu connect` makes. A refusal carries Connect's own message, never the request body (it holds the password). */
export class ConnectClient {
  private readonly url: string;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new Error(`Kafka Connect does not answer at ${this.url}: start it with \`dancu stack up --connect\``, { cause: error });
    }
    const text = await response.text();
    const parsed = (text ? JSON.parse(text) : null) as T;
    if (!response.ok && response.status !== 404) {
      const message = (parsed as { message?: string } | null)?.message ?? text.slice(0, 300);
      throw new Error(`Kafka Connect refused ${method} ${path} (${response.status}): ${message}`);
    }
    return { status: response.status, body: parsed };
  }

  /** Creates the connector, or replaces its configuration when it exists (PUT is idempotent). */
  async put(definition: ConnectorDefinition): Promise<void> {
    await this.request('PUT', `/connectors/${encodeURIComponent(definition.name)}/config`, definition.config);
  }

  async list(): Promise<string[]> {
    return (await this.request<string[]>('GET', '/connectors')).body;
  }

  async config(name: string): Promise<Record<string, string> | null> {
    const answer = await this.request<Record<string, string>>('GET', `/connectors/${encodeURIComponent(name)}/config`);
    return answer.status === 404 ? null : answer.body;
  }

  async status(name: string): Promise<ConnectorStatus | null> {
    const answer = await this.request<ConnectorStatus>('GET', `/connectors/${encodeURIComponent(name)}/status`);
    return answer.status === 404 ? null : answer.body;
  }

  /**
   * Removes the connector and its source offsets; false when there was none. Connect keeps a
   * deleted connector's offsets, and a connector added again under the name would resume from an
   * LSN whose slot is gone; offsets can only be reset on a stopped connector. Its replication slot
   * stays in the sector's database (see `dropSlot`).
   */
  async remove(name: string, timeoutMs = 30_000): Promise<boolean> {
    const path = `/connectors/${encodeURIComponent(name)}`;
    if ((await this.request('PUT', `${path}/stop`)).status === 404) return false;
    const deadline = Date.now() + timeoutMs;
    while ((await this.status(name))?.connector.state !== 'STOPPED') {
      if (Date.now() > deadline) throw new Error(`connector ${name} did not stop within ${timeoutMs / 1000} s`);
      await sleep(250);
    }
    await this.request('DELETE', `${path}/offsets`);
    await this.request('DELETE', path);
    return true;
  }
}
