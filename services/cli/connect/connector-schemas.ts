import { setTimeout as sleep } from 'node:timers/promises';
import { envelopeArtifact, nativeRegistryUrl } from './connector-config.js';

/**
 * The compatibility rule dancu gives a connector's Avro schemas, as it does its own subjects: a
 * new version must read every message of the previous one. A nullable column added by the sector
 * passes (its field is optional, default null); a NOT NULL column without a default is refused,
 * and the connector's task stops until the column is made nullable.
 */
export const CONNECTOR_COMPATIBILITY = 'BACKWARD';

export interface Artifact {
  groupId: string;
  artifactId: string;
}

/** A table's value schema in the registry: how many versions it has and its compatibility rule (null: none). */
export interface SchemaState extends Artifact {
  versions: number;
  compatibility: string | null;
}

/** The registry artifacts of an Avro connector's tables, from its configuration; none for a JSON connector. */
export function artifactsOf(config: Record<string, string>): Artifact[] {
  if (!/AvroConverter$/.test(config['value.converter'] ?? '')) return [];
  const system = config['topic.prefix'] ?? '';
  return (config['table.include.list'] ?? '')
    .split(',')
    .filter((table) => table !== '')
    .map((table) => envelopeArtifact(system, table));
}

/**
 * A connector's schemas in the registry's own API (the Avro converter registers them there, one
 * artifact per table, when it writes the table's first change), and their compatibility rule.
 * The registry refuses a rule for an artifact that does not exist yet, so the rule is set once
 * the first change has registered the schema.
 */
export class ConnectorSchemas {
  private readonly api: string;

  constructor(registryUrl: string) {
    this.api = nativeRegistryUrl(registryUrl);
  }

  private path(artifact: Artifact, rest = ''): string {
    return `${this.api}/groups/${encodeURIComponent(artifact.groupId)}/artifacts/${encodeURIComponent(artifact.artifactId)}${rest}`;
  }

  private async request(method: string, url: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new Error(`the schema registry does not answer at ${this.api}`, { cause: error });
    }
    const text = await response.text();
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (!response.ok && response.status !== 404) {
      const message = (parsed as { message?: string } | null)?.message ?? text.slice(0, 300);
      throw new Error(`the schema registry refused ${method} ${url.slice(this.api.length)} (${response.status}): ${message}`);
    }
    return { status: response.status, body: parsed };
  }

  /** The artifact's versions and rule, or null while no change of the table has been written. */
  async state(artifact: Artifact): Promise<SchemaState | null> {
    const versions = await this.request('GET', this.path(artifact, '/versions'));
    if (versions.status === 404) return null;
    const rule = await this.request('GET', this.path(artifact, '/rules/COMPATIBILITY'));
    return {
      ...artifact,
      versions: (versions.body as { count: number }).count,
      compatibility: rule.status === 404 ? null : (rule.body as { config: string }).config,
    };
  }

  /** Sets dancu's rule on an artifact that has none; a rule an operator chose is kept. Null while the artifact does not exist. */
  async ensureRule(artifact: Artifact): Promise<SchemaState | null> {
    const state = await this.state(artifact);
    if (!state || state.compatibility !== null) return state;
    await this.request('POST', this.path(artifact, '/rules'), { type: 'COMPATIBILITY', config: CONNECTOR_COMPATIBILITY });
    return { ...state, compatibility: CONNECTOR_COMPATIBILITY };
  }

  /**
   * Sets the rule on each artifact as soon as it exists, waiting up to `timeoutMs` for the first
   * changes to register them; returns the states, null for an artifact still missing.
   */
  async ensureRules(artifacts: Artifact[], timeoutMs: number): Promise<(SchemaState | null)[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(artifacts.map((artifact) => this.ensureRule(artifact)));
      if (states.every((state) => state !== null) || Date.now() >= deadline) return states;
      await sleep(500);
    }
  }
}
