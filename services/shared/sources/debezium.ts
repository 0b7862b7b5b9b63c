import { join } from 'node:path';
import avro from 'avsc';
import { z } from 'zod';
import { readJsonFile, zodProblems } from '../config/json-file.js';
import { ConfigError, ValidationError, type ErrorContext } from '../errors.js';
import { REPO_ROOT } from '../paths.js';
import { SOURCE_NAMES, type SourceName } from '../schemas/topics.js';
import { loadRecordSchema } from '../schemas/avro-files.js';
import { canonicalJson } from '../canonical-json.js';
import type { ObservationOptions } from './sector-event.js';
import type { SourceAdapter } from './source-adapter.js';

/**
 * Debezium input: a source may let its Debezium connector publish row changes of its own tables
 * (JSON, with or without the schema wrapper, or Avro through the registry) instead of dancu's
 * events. A mapping per source and table, kept as data in debezium-mappings.json, turns each
 * change into the source's canonical event, which then goes through the same rules as any event.
 */

const OPS = ['c', 'u', 'd', 'r'] as const;
type Op = (typeof OPS)[number];

const columnSpec = z.union([
  z.string(),
  z.object({ column: z.string(), as: z.enum(['text', 'int', 'long', 'epoch-days', 'epoch-millis', 'epoch-micros']).default('text') }),
  z.object({ const: z.union([z.string(), z.number(), z.null()]) }),
]);

const tableMapping = z.object({
  event_type: z.union([z.string(), z.record(z.enum(OPS), z.string())]),
  record_id: columnSpec,
  /** Defaults to the connector's logical name (`source.name`). */
  source_system: columnSpec.optional(),
  fields: z.record(z.string(), columnSpec),
  /**
   * Columns of the table dancu does not take (a phone number, the nurse's name, clinical notes):
   * `dancu connect add` keeps them out of the connector (column.exclude.list), so they never leave
   * the sector's database.
   */
  skip: z.array(z.string()).default([]),
});

export const debeziumMappingsSchema = z.record(z.enum(SOURCE_NAMES as [SourceName, ...SourceName[]]), z.object({ tables: z.record(z.string(), tableMapping) }));
export type DebeziumMappings = z.infer<typeof debeziumMappingsSchema>;
type ColumnSpec = z.infer<typeof columnSpec>;
type TableMapping = z.infer<typeof tableMapping>;

export const DEFAULT_DEBEZIUM_MAPPINGS_FILE = join(REPO_ROOT, 'services', 'shared', 'sources', 'debezium-mappings.json');

export function loadDebeziumMappings(file: string = DEFAULT_DEBEZIUM_MAPPINGS_FILE): DebeziumMappings {
  const result = debeziumMappingsSchema.safeParse(readJsonFile(file, 'Debezium table mappings file'));
  if (!result.success) throw new ConfigError(`invalid Debezium table mappings in ${file}: ${zodProblems(result.error)}`);
  return result.data;
}

const row = z.record(z.string(), z.unknown());
const envelope = z.object({
  before: row.nullable().optional(),
  after: row.nullable().optional(),
  op: z.string(),
  ts_ms: z.number().nullable().optional(),
  source: z.object({ name: z.string().optional(), table: z.string(), ts_ms: z.number().nullable().optional() }).passthrough(),
});
export type DebeziumEnvelope = z.infer<typeof envelope>;

/** The envelope inside a decoded message: JSON with `schemas.enable=true` wraps it in `payload`. */
export function unwrapEnvelope(decoded: unknown): unknown {
  if (decoded && typeof decoded === 'object' && 'payload' in decoded && 'schema' in decoded) return (decoded as { payload: unknown }).payload;
  return decoded;
}

/**
 * Whether the change is a snapshot's read of an existing row (op r) rather than a change: its
 * time is when the snapshot read the row, which a second snapshot of the same row (Connect died
 * during the first, or the connector was added again) does not repeat.
 */
function isSnapshotRead(decoded: unknown): boolean {
  const change = unwrapEnvelope(decoded);
  return change !== null && typeof change === 'object' && (change as { op?: unknown }).op === 'r';
}

/**
 * The fields of a connector's `source` block that say where a change is in its database's log,
 * one group per connector: PostgreSQL's LSN of the change, MySQL's binlog file, position and row,
 * SQL Server's change LSN and serial number. Each is the change's own (one transaction's changes
 * share the commit time `ts_ms`, not these) and the same when the connector sends the change again
 * after a restart (unlike the envelope's `ts_ms`, or PostgreSQL's `sequence`, which also names the
 * last commit the connector had seen).
 */
const LOG_POSITIONS = [['lsn'], ['file', 'pos', 'row'], ['change_lsn', 'event_serial_no']] as const;

/** Where the change is in its database's log (LOG_POSITIONS), as text; undefined when the envelope does not say. */
export function changePosition(decoded: unknown): string | undefined {
  const change = unwrapEnvelope(decoded);
  const source = (change && typeof change === 'object' ? (change as { source?: unknown }).source : null) ?? null;
  const block = (source && typeof source === 'object' ? source : {}) as Record<string, unknown>;
  const group = LOG_POSITIONS.find((fields) => block[fields[0]] !== undefined && block[fields[0]] !== null);
  if (!group) return undefined;
  // A long is a number in JSON and may be a BigInt from Avro: the same place either way.
  const text = (value: unknown) => (typeof value === 'number' || typeof value === 'bigint' ? String(value) : canonicalJson(value));
  return group.map((field) => `${field}=${text(block[field])}`).join(',');
}

/**
 * How a change is identified (see observationId): a snapshot's read by its content alone, any
 * other change by its time, its content and its place in the log.
 */
export function observationIdentity(decoded: unknown): ObservationOptions {
  return isSnapshotRead(decoded) ? { identity: 'content' } : { identity: 'time', position: changePosition(decoded) };
}

/** Where a change comes from in the sector's database, for a dead letter the sector team can trace to its row. */
export interface ChangeOrigin {
  /** `schema.table` of the row. */
  table: string | null;
  /** The row's key as the connector wrote it (the primary key's columns, as JSON). */
  key: string | null;
  /** The write-ahead-log position of the change, as PostgreSQL writes it (`0/16B3748`). */
  lsn: string | null;
}

/** A PostgreSQL LSN (Debezium sends it as a 64-bit number) in PostgreSQL's own notation: high and low 32 bits in hex. */
export function lsnText(lsn: unknown): string | null {
  let value: bigint;
  try {
    if (typeof lsn === 'bigint') value = lsn;
    else if (typeof lsn === 'number' && Number.isSafeInteger(lsn) && lsn >= 0) value = BigInt(lsn);
    else if (typeof lsn === 'string' && /^\d+$/.test(lsn)) value = BigInt(lsn);
    else return null;
  } catch {
    return null;
  }
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

const MAX_KEY_CHARS = 500;

/** The table, row key and LSN of a change, as far as the message tells them (nothing is required: a broken message still gets its key). */
export function changeOrigin(decoded: unknown, key: Buffer | null): ChangeOrigin {
  const change = unwrapEnvelope(decoded);
  const source = (change && typeof change === 'object' ? (change as { source?: unknown }).source : null) ?? null;
  const block = (source && typeof source === 'object' ? source : {}) as { schema?: unknown; table?: unknown; lsn?: unknown };
  const table = typeof block.table === 'string' ? (typeof block.schema === 'string' ? `${block.schema}.${block.table}` : block.table) : null;
  let keyText: string | null = null;
  if (key && key.length > 0) {
    const text = key.toString('utf8');
    keyText = (Buffer.from(text, 'utf8').equals(key) ? text : `hex:${key.toString('hex')}`).slice(0, MAX_KEY_CHARS);
  }
  return { table, key: keyText, lsn: lsnText(block.lsn) };
}

const DAY_MS = 86_400_000;

/**
 * A `numeric` column without a fixed scale arrives as Debezium's VariableScaleDecimal: a struct of
 * the scale and the unscaled value's two's-complement big-endian bytes (base64 text in JSON, bytes
 * in Avro). Other values are returned as they are.
 */
export function variableScaleDecimal(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !('scale' in value) || !('value' in value)) return value;
  const { scale, value: unscaled } = value as { scale: unknown; value: unknown };
  const bytes = typeof unscaled === 'string' ? Buffer.from(unscaled, 'base64') : unscaled instanceof Uint8Array ? Buffer.from(unscaled) : null;
  if (bytes === null || typeof scale !== 'number' || bytes.length === 0) return value;
  let digits = 0n;
  for (const byte of bytes) digits = (digits << 8n) | BigInt(byte);
  if ((bytes[0] ?? 0) & 0x80) digits -= 1n << BigInt(bytes.length * 8);
  const negative = digits < 0n;
  const text = (negative ? -digits : digits).toString().padStart(scale + 1, '0');
  const whole = scale > 0 ? `${text.slice(0, -scale)}.${text.slice(-scale)}` : text;
  return Number(`${negative ? '-' : ''}${whole}`);
}

function convert(raw: unknown, as: string): unknown {
  const value = variableScaleDecimal(raw);
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return as === 'text' ? value.toString() : Number(value);
  // A column mapped as text can arrive as a JSON number or boolean (a code column); String() writes it as text.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  if (as === 'text') return typeof value === 'string' ? value : String(value);
  if (as === 'int' || as === 'long') return typeof value === 'number' ? value : Number(value);
  const divisor = { 'epoch-days': 1 / DAY_MS, 'epoch-millis': 1, 'epoch-micros': 1000 }[as] ?? 1;
  if (typeof value === 'string') return value;
  return new Date(Number(value) / divisor).toISOString().slice(0, 10);
}

function read(spec: ColumnSpec, data: Record<string, unknown>): unknown {
  if (typeof spec === 'string') return convert(data[spec], 'text');
  if ('const' in spec) return spec.const;
  return convert(data[spec.column], spec.as);
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = (node[part] ??= {}) as Record<string, unknown>;
    node = next;
  }
  node[parts[parts.length - 1] ?? path] = value;
}

/** Fills absent fields that have a default in the Avro schema (nulls of optional blocks), as a decoder of dancu's own events would see them. */
function withDefaults(type: avro.Type, value: unknown): unknown {
  if (!(type instanceof avro.types.RecordType) || value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  for (const field of type.fields) {
    if (record[field.name] === undefined) {
      const fallback: unknown = field.defaultValue();
      if (fallback !== undefined) record[field.name] = fallback;
    } else {
      const branch = field.type instanceof avro.types.UnwrappedUnionType ? field.type.types.find((t) => t instanceof avro.types.RecordType) : field.type;
      if (branch) record[field.name] = withDefaults(branch, record[field.name]);
    }
  }
  return record;
}

function eventTypeOf(mapping: TableMapping, op: Op): string | undefined {
  return typeof mapping.event_type === 'string' ? mapping.event_type : mapping.event_type[op];
}

/**
 * The source's canonical event for one Debezium change, or null for a change that carries no
 * event (a tombstone is handled before this). Deletes read the row from `before`, which needs
 * the table's REPLICA IDENTITY FULL (or equivalent) for the person fields to be there.
 */
export function debeziumToEvent(adapter: SourceAdapter<never>, mappings: DebeziumMappings, decoded: unknown, context: ErrorContext): unknown {
  const parsed = envelope.safeParse(unwrapEnvelope(decoded));
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({ code: 'CDC_NOT_AN_ENVELOPE', path: issue.path.join('.'), message: issue.message })),
      context,
    );
  }
  const change = parsed.data;
  if (!(OPS as readonly string[]).includes(change.op)) {
    throw new ValidationError([{ code: 'CDC_NOT_AN_ENVELOPE', path: 'op', message: `op '${change.op}' is not a row change (c, u, d, r)` }], context);
  }
  const op = change.op as Op;
  const mapping = mappings[adapter.source]?.tables[change.source.table];
  const eventType = mapping ? eventTypeOf(mapping, op) : undefined;
  if (!mapping || !eventType) {
    throw new ValidationError(
      [
        {
          code: 'CDC_TABLE_UNMAPPED',
          path: 'source.table',
          message: `table '${change.source.table}' has no mapping for op '${op}' in source ${adapter.source}`,
        },
      ],
      context,
    );
  }
  const data = (op === 'd' ? change.before : change.after) ?? {};
  const event: Record<string, unknown> = {
    source_system: mapping.source_system ? read(mapping.source_system, data) : (change.source.name ?? null),
    source_record_id: read(mapping.record_id, data),
    change_type: op === 'd' ? 'DELETE' : op === 'u' ? 'UPDATE' : 'CREATE',
    event_type: eventType,
    event_time: change.source.ts_ms ?? change.ts_ms ?? null,
    person: {},
  };
  for (const [path, spec] of Object.entries(mapping.fields)) setPath(event, path, read(spec, data));
  return withDefaults(loadRecordSchema(adapter.record).type, event);
}
