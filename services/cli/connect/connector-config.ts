import type { DebeziumMappings } from '../../shared/sources/debezium.js';
import type { SourceName } from '../../shared/schemas/topics.js';

/**
 * How the connector writes a change: `json` (JSON with its schema wrapper), `json-plain` (the bare
 * envelope, no schema: decimals as text, see connectorDefinition), `avro` (registry Avro).
 */
export const CONVERTER_KINDS = ['json', 'json-plain', 'avro'] as const;
export type ConverterKind = (typeof CONVERTER_KINDS)[number];

export interface ConnectorRequest {
  source: SourceName;
  /** postgres://user:password@host:port/database of the sector's own database. */
  databaseUrl: string;
  tables: string[];
  converter: ConverterKind;
  /** Where the changes go: the source's change-data topic (`cdc.<source>.v1`, namespaced). */
  topic: string;
  /** The registry's Confluent-compatible URL (dancu's DANCU_SCHEMA_REGISTRY_URL). */
  registryUrl: string;
  /**
   * The sector system's name: Debezium's logical server name (`topic.prefix`), which every change
   * carries as `source.name` and dancu records as the observation's source system.
   */
  system: string;
  /** Keeps two runs (a test's namespace) apart in the connector, slot and publication names. */
  namespace: string;
  /** initial: existing rows first (op r), then changes; no_data: changes from now on. */
  snapshot: 'initial' | 'no_data' | 'always';
  heartbeatMs: number;
}

export interface ConnectorDefinition {
  name: string;
  config: Record<string, string>;
}

/** Connector, slot and publication names: PostgreSQL names are lower-case, [a-z0-9_], at most 63 bytes. */
export function connectorName(source: string, namespace: string): string {
  return ['dancu', namespace, source].filter((part) => part !== '').join('-');
}

/** The connector's replication slot and publication. */
export function slotName(source: string, namespace: string): string {
  return connectorName(source, namespace)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63);
}

function qualified(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Which tables of the request dancu has no mapping for: their changes would all be dead-lettered. */
export function unmappedTables(mappings: DebeziumMappings, source: SourceName, tables: string[]): string[] {
  const mapped = mappings[source]?.tables ?? {};
  return tables.filter((table) => !(table.split('.').pop()! in mapped));
}

/** The registry's own API (Apicurio v2) from its Confluent-compatible URL, dancu's DANCU_SCHEMA_REGISTRY_URL. */
export function nativeRegistryUrl(registryUrl: string): string {
  return registryUrl.replace(/\/+$/, '').replace(/\/apis\/ccompat\/v\d+$/, '/apis/registry/v2');
}

/**
 * A name as Debezium's `schema.name.adjustment.mode=avro` makes it a valid Avro full name: a
 * character Avro does not allow becomes `_` (a system named `tiemchung-hcm` gives
 * `tiemchung_hcm.public.vaccinations`).
 */
export function avroName(name: string): string {
  return [...name].map((char, index) => ((index === 0 ? /[A-Za-z_]/ : /[A-Za-z0-9_.]/).test(char) ? char : '_')).join('');
}

/**
 * Where the Avro converter registers a table's value schema (RecordIdStrategy): the group is the
 * record's namespace, `<system>.<schema>.<table>`, and the artifact Debezium's record name.
 */
export function envelopeArtifact(system: string, table: string): { groupId: string; artifactId: string } {
  return { groupId: avroName(`${system}.${qualified(table)}`), artifactId: 'Envelope' };
}

/**
 * The registry-Avro converter. The registry's own API (not its Confluent-compatible one, which
 * the converter does not speak) registers the schemas; `as-confluent` writes the Confluent wire
 * format (magic byte, 4-byte id) that dancu's ingest reads through the compatible API, whose
 * ids are content ids (`use-id`: the converter's default, the global id, names another schema
 * once the registry holds more versions than contents);
 * without `headers.enabled=false` the id would go in a Kafka header instead. One subject per
 * table (RecordIdStrategy): the router sends every table to one topic, and a subject per topic
 * would hold unrelated tables' schemas as "versions" and fail its compatibility rule.
 */
function avroConverter(prefix: string, registryUrl: string): Record<string, string> {
  return {
    [prefix]: 'io.apicurio.registry.utils.converter.AvroConverter',
    [`${prefix}.apicurio.registry.url`]: nativeRegistryUrl(registryUrl),
    [`${prefix}.apicurio.registry.auto-register`]: 'true',
    [`${prefix}.apicurio.registry.find-latest`]: 'true',
    [`${prefix}.apicurio.registry.as-confluent`]: 'true',
    [`${prefix}.apicurio.registry.use-id`]: 'contentId',
    [`${prefix}.apicurio.registry.headers.enabled`]: 'false',
    [`${prefix}.apicurio.registry.artifact-resolver-strategy`]: 'io.apicurio.registry.serde.avro.strategy.RecordIdStrategy',
  };
}

/** What each converter writes, and how Debezium must shape the values for it. */
function converterSettings(request: ConnectorRequest): Record<string, string> {
  switch (request.converter) {
    case 'json':
      return {
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'true',
        'decimal.handling.mode': 'precise',
      };
    case 'json-plain':
      // Without the schema a `numeric(p,s)` in precise mode is base64 bytes whose scale is only in
      // the schema: undecodable. As text every decimal is exact and says itself what it is; dancu's
      // mapping says which type the column becomes (int, long, text).
      return {
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'false',
        'decimal.handling.mode': 'string',
      };
    case 'avro':
      // The record names come from the system's name, which may hold characters Avro refuses (`-`).
      return { ...avroConverter('value.converter', request.registryUrl), 'decimal.handling.mode': 'precise', 'schema.name.adjustment.mode': 'avro' };
  }
}

/**
 * dancu's conventions for a sector's Debezium PostgreSQL connector: pgoutput with a publication
 * of the captured tables only, a slot and publication per connector, every table routed to the
 * source's change-data topic, the mapping's `skip` columns left in the sector's database, deletes
 * followed by tombstones (ingest skips them), a heartbeat so the slot advances on a quiet
 * database, and decimals exact (VariableScaleDecimal or Decimal, decoded by dancu; text in JSON
 * without schemas).
 */
export function connectorDefinition(request: ConnectorRequest, mappings: DebeziumMappings): ConnectorDefinition {
  const name = connectorName(request.source, request.namespace);
  const url = new URL(request.databaseUrl);
  const tables = request.tables.map(qualified);
  const tableMappings = mappings[request.source]?.tables ?? {};
  const excluded = tables.flatMap((table) => (tableMappings[table.split('.').pop()!]?.skip ?? []).map((column) => `${table}.${column}`));
  const slot = slotName(request.source, request.namespace);
  const prefix = request.system;
  const config: Record<string, string> = {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': url.hostname,
    'database.port': url.port || '5432',
    'database.user': decodeURIComponent(url.username || 'postgres'),
    'database.password': decodeURIComponent(url.password),
    'database.dbname': decodeURIComponent(url.pathname.replace(/^\//, '')),
    'topic.prefix': prefix,
    'slot.name': slot,
    'publication.name': slot,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': tables.join(','),
    'snapshot.mode': request.snapshot,
    'heartbeat.interval.ms': String(request.heartbeatMs),
    'tombstones.on.delete': 'true',
    'time.precision.mode': 'adaptive',
    'topic.creation.default.replication.factor': '-1',
    'topic.creation.default.partitions': '-1',
    transforms: 'route',
    'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
    'transforms.route.regex': `${escapeRegex(prefix)}\\.[^.]+\\.[^.]+`,
    'transforms.route.replacement': request.topic,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'false',
    ...converterSettings(request),
  };
  if (excluded.length > 0) config['column.exclude.list'] = excluded.map(escapeRegex).join(',');
  return { name, config };
}

/** Settings whose values are secrets: shown as *** whenever a configuration is printed. */
export function redactConfig(config: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([key, value]) => [key, /password|secret|credentials/i.test(key) ? '***' : value]));
}
