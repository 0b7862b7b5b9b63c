import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { DancuError, DecodeError, UnavailableError } from '../errors.js';
import { valueSubject } from '../schemas/topics.js';
import { loadRecordSchema, type RecordTypeKey } from '../schemas/avro-files.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const MAGIC_BYTE = 0;
const HEADER_BYTES = 5;

/**
 * The Confluent-compatible registry as dancu uses it. Registration goes straight to
 * `POST /subjects/{subject}/versions`: the client library's `register()` first sets the
 * subject's compatibility, which Apicurio refuses for a subject with no versions yet.
 * Encoding and decoding (wire format, schema cache) are the library's.
 */
export class SchemaRegistryClient {
  readonly url: string;
  private readonly registry: SchemaRegistry;
  /** Decodes others' Avro (a Debezium connector's), whose longs may not fit a JavaScript number. */
  private readonly foreign: SchemaRegistry;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, '');
    this.registry = new SchemaRegistry({ host: this.url, retry: { retries: 2 } });
    this.foreign = new SchemaRegistry({ host: this.url, retry: { retries: 2 } }, { [SchemaType.AVRO]: { typeHook: safeLongHook } });
  }

  /** Registers (or finds) the schema under the subject, sets BACKWARD compatibility, returns its id. */
  async register(subject: string, schemaText: string): Promise<number> {
    const registered = await this.requestThroughRace<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, {
      schema: schemaText,
      schemaType: 'AVRO',
    });
    await this.requestThroughRace('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: 'BACKWARD' });
    return registered.id;
  }

  /**
   * Two instances of a service starting together register the same new subject (and its
   * compatibility rule) at once, and Apicurio answers the slower one 409 ("already exists");
   * asked again, it finds what the other created. A real conflict (an incompatible schema) keeps
   * answering 409 and is reported.
   */
  private async requestThroughRace<T>(method: string, path: string, body: unknown): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.request<T>(method, path, body);
      } catch (error) {
        if (attempt >= 3 || !(error instanceof Error) || !/answered 409/.test(error.message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /** Registers a record type as the value schema of a topic (TopicNameStrategy). */
  async registerValueSchema(topic: string, key: RecordTypeKey): Promise<number> {
    return this.register(valueSubject(topic), loadRecordSchema(key).text);
  }

  /** Throws unless the registry answers (readiness). */
  async ping(): Promise<void> {
    await this.request('GET', '/subjects');
  }

  async compatibility(subject: string): Promise<string> {
    const config = await this.request<{ compatibilityLevel?: string; compatibility?: string }>('GET', `/config/${encodeURIComponent(subject)}`);
    return config.compatibilityLevel ?? config.compatibility ?? '';
  }

  async encode(schemaId: number, value: unknown): Promise<Buffer> {
    try {
      return await this.registry.encode(schemaId, value);
    } catch (error) {
      throw registryFailure(error, 'cannot encode the value with its schema');
    }
  }

  /**
   * Decodes Confluent wire-format bytes. Bytes that can never decode (no magic byte, unknown
   * schema id, not Avro, truncated) are a DecodeError; a registry that does not answer is retriable.
   */
  async decode<T>(bytes: Buffer | null): Promise<T> {
    if (!bytes || bytes.length === 0) throw new DecodeError('the message has no value');
    if (bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_BYTE) {
      throw new DecodeError('the message is not in the schema registry wire format (magic byte 0 and a schema id)');
    }
    try {
      return (await this.registry.decode(bytes)) as T;
    } catch (error) {
      throw registryFailure(error, `cannot decode the message with schema id ${bytes.readInt32BE(1)}`);
    }
  }

  /**
   * Decodes a message another producer wrote (a Debezium connector through the registry): as
   * `decode`, but a long beyond 2^53 (Debezium's `ts_ns`, a sector's bigint) becomes a BigInt
   * instead of failing the whole message for a loss of precision.
   */
  async decodeForeign<T>(bytes: Buffer): Promise<T> {
    if (bytes.length < HEADER_BYTES || bytes[0] !== MAGIC_BYTE) {
      throw new DecodeError('the message is not in the schema registry wire format (magic byte 0 and a schema id)');
    }
    try {
      return (await this.foreign.decode(bytes)) as T;
    } catch (error) {
      throw registryFailure(error, `cannot decode the message with schema id ${bytes.readInt32BE(1)}`);
    }
  }

  private async request<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new UnavailableError('schema registry', error);
    }
    const text = await response.text();
    if (!response.ok) {
      const failure = new Error(`schema registry ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
      if (response.status >= 500) throw new UnavailableError('schema registry', failure);
      throw failure;
    }
    return (text ? JSON.parse(text) : {}) as T;
  }
}

/**
 * A failed encode or decode through the registry, classified: bytes or a value that can never
 * pass are a DecodeError (dead-lettered); a registry away or busy (5xx, 429) is retriable, and one
 * that refuses this service (401, 403: its credentials or rights) is the deployment's to fix, so
 * the work waits for it rather than dead-letter every message meanwhile.
 */
export function registryFailure(error: unknown, what: string): Error {
  const status = (error as { status?: number }).status;
  // mappersmith reports a refused connection as status 400, so the message decides first.
  if (isNetworkError(error)) return new UnavailableError('schema registry', error);
  if (status !== undefined && (status >= 500 || status === 429)) return new UnavailableError('schema registry', error);
  const detail = error instanceof Error ? error.message : String(error);
  if (status === 401 || status === 403) {
    return new DancuError('REGISTRY_ACCESS_DENIED', `${what}: the schema registry refused access (${status}): ${detail}`, { retriable: true, cause: error });
  }
  return new DecodeError(status === 404 ? `${what}: the schema id is not in the registry` : `${what}: ${detail}`, error);
}

/** A long as a number while exact, else as a BigInt (avsc's own long type refuses such values). */
const SAFE_LONG = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => {
    const value = buffer.readBigInt64LE();
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  },
  toBuffer: (value: number | bigint) => {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64LE(BigInt(value));
    return buffer;
  },
  fromJSON: (value: number | string) => (Number.isSafeInteger(Number(value)) ? Number(value) : BigInt(value)),
  toJSON: (value: number | bigint) => Number(value),
  isValid: (value: unknown) => typeof value === 'bigint' || Number.isInteger(value),
  compare: (a: number | bigint, b: number | bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

function safeLongHook(schema: avro.Schema): avro.Type | undefined {
  const type = typeof schema === 'string' ? schema : (schema as { type?: unknown }).type;
  return type === 'long' ? SAFE_LONG : undefined;
}

function isNetworkError(error: unknown): boolean {
  const text = `${(error as { code?: string }).code ?? ''} ${error instanceof Error ? error.message : ''}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|socket hang up|fetch failed|timeout/i.test(text);
}
