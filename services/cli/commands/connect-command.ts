import { Command, Option } from 'commander';
import { loadConfig } from '../config.js';
import { ConnectClient } from '../connect/connect-client.js';
import { wholeNumber } from '../number-options.js';
import {
  connectorDefinition,
  connectorName,
  CONVERTER_KINDS,
  redactConfig,
  slotName,
  unmappedTables,
  type ConverterKind,
} from '../connect/connector-config.js';
import { artifactsOf, ConnectorSchemas, CONNECTOR_COMPATIBILITY, type SchemaState } from '../connect/connector-schemas.js';
import { dropSlot } from '../connect/sector-slot.js';
import { SOURCE_NAMES, SOURCE_TOPICS, topicsFor, type SourceName } from '../../shared/schemas/topics.js';
import { loadDebeziumMappings } from '../../shared/sources/debezium.js';

interface AddOptions {
  source: SourceName;
  database: string;
  tables: string;
  converter: ConverterKind;
  system?: string;
  snapshot: 'initial' | 'no_data' | 'always';
  heartbeatMs: number;
  schemaWait: number;
  mappings?: string;
}

function schemaLine(artifact: { groupId: string; artifactId: string }, state: SchemaState | null): string {
  const name = `${artifact.groupId}/${artifact.artifactId}`;
  if (!state) return `  schema ${name}: not in the registry yet (no change of the table written yet)`;
  return `  schema ${name}: ${state.versions} version${state.versions === 1 ? '' : 's'}, compatibility ${state.compatibility ?? 'NONE (no rule)'}`;
}

export function connectCommand(): Command {
  const connect = new Command('connect').description("a sector database's Debezium connector on Kafka Connect (DANCU_CONNECT_URL), with dancu's conventions");

  connect
    .command('add')
    .description('create (or update) the connector of a source: its tables, routed to the source change-data topic')
    .addOption(new Option('--source <name>', 'the sector source').choices(SOURCE_NAMES).makeOptionMandatory())
    .requiredOption('--database <url>', "the sector's PostgreSQL (postgres://user:password@host:port/db, wal_level=logical)")
    .requiredOption('--tables <list>', 'tables to capture, comma-separated (each needs a mapping in debezium-mappings.json)')
    .addOption(
      new Option(
        '--converter <kind>',
        'how changes are written: json (with its schema), json-plain (the bare envelope, decimals as text), avro (registry Avro)',
      )
        .choices(CONVERTER_KINDS)
        .default('json'),
    )
    .option('--system <name>', "the sector system's name (Debezium's topic.prefix; the register's source system)")
    .addOption(new Option('--snapshot <mode>', 'existing rows first, or changes only').choices(['initial', 'no_data', 'always']).default('initial'))
    .option('--heartbeat-ms <ms>', 'heartbeat interval (the slot advances on a quiet database)', wholeNumber(1, Infinity, 'milliseconds'), 10_000)
    .option(
      '--schema-wait <seconds>',
      `avro: how long to wait for the first changes to register the tables' schemas, to give them the ${CONNECTOR_COMPATIBILITY} compatibility rule`,
      wholeNumber(0, Infinity, 'seconds'),
      60,
    )
    .option('--mappings <file>', 'table mappings (default: services/shared/sources/debezium-mappings.json)')
    .action(async (options: AddOptions) => {
      const config = loadConfig(process.env);
      const mappings = loadDebeziumMappings(options.mappings);
      const tables = options.tables
        .split(',')
        .map((table) => table.trim())
        .filter((table) => table !== '');
      const unmapped = unmappedTables(mappings, options.source, tables);
      if (unmapped.length > 0) {
        throw new Error(`no mapping for table ${unmapped.join(', ')} in source ${options.source}: add one to the mappings file, or leave the table out`);
      }
      const definition = connectorDefinition(
        {
          source: options.source,
          databaseUrl: options.database,
          tables,
          converter: options.converter,
          system: options.system ?? options.source,
          topic: topicsFor(config.DANCU_TOPIC_NAMESPACE)[SOURCE_TOPICS[options.source].cdc],
          registryUrl: config.DANCU_SCHEMA_REGISTRY_URL,
          namespace: config.DANCU_TOPIC_NAMESPACE,
          snapshot: options.snapshot,
          heartbeatMs: options.heartbeatMs,
        },
        mappings,
      );
      await new ConnectClient(config.DANCU_CONNECT_URL).put(definition);
      console.log(`connector ${definition.name}: ${tables.join(', ')} -> ${definition.config['transforms.route.replacement']} (${options.converter})`);
      const artifacts = artifactsOf(definition.config);
      if (artifacts.length === 0) return;
      const states = await new ConnectorSchemas(config.DANCU_SCHEMA_REGISTRY_URL).ensureRules(artifacts, options.schemaWait * 1000);
      for (const [i, artifact] of artifacts.entries()) console.log(schemaLine(artifact, states[i] ?? null));
      if (states.some((state) => state === null)) {
        console.log(`  run this command again after the table's first change: it gives the new schema the ${CONNECTOR_COMPATIBILITY} compatibility rule`);
      }
    });

  connect
    .command('list')
    .description("the worker's connectors")
    .action(async () => {
      for (const name of await new ConnectClient(loadConfig(process.env).DANCU_CONNECT_URL).list()) console.log(name);
    });

  connect
    .command('status')
    .description("a source's connector: its state, its tasks' states and its configuration (secrets hidden)")
    .addOption(new Option('--source <name>', 'the sector source').choices(SOURCE_NAMES).makeOptionMandatory())
    .option('--json', 'print JSON')
    .action(async (options: { source: SourceName; json?: boolean }) => {
      const config = loadConfig(process.env);
      const client = new ConnectClient(config.DANCU_CONNECT_URL);
      const name = connectorName(options.source, config.DANCU_TOPIC_NAMESPACE);
      const [status, settings] = await Promise.all([client.status(name), client.config(name)]);
      if (!status || !settings) {
        console.log(`no connector ${name}`);
        process.exitCode = 1;
        return;
      }
      const registry = new ConnectorSchemas(config.DANCU_SCHEMA_REGISTRY_URL);
      const artifacts = artifactsOf(settings);
      const schemas = await Promise.all(artifacts.map((artifact) => registry.state(artifact)));
      const shown = {
        ...status,
        config: redactConfig(settings),
        schemas: artifacts.map((artifact, i) => schemas[i] ?? { ...artifact, versions: 0, compatibility: null }),
      };
      if (options.json) {
        console.log(JSON.stringify(shown, null, 2));
        return;
      }
      console.log(`${name}: ${status.connector.state}`);
      for (const task of status.tasks) console.log(`  task ${task.id}: ${task.state}${task.trace ? ` (${task.trace.split('\n')[0]})` : ''}`);
      for (const [key, value] of Object.entries(shown.config)) console.log(`  ${key} = ${value}`);
      for (const [i, artifact] of artifacts.entries()) console.log(schemaLine(artifact, schemas[i] ?? null));
      if (status.connector.state !== 'RUNNING' || status.tasks.some((task) => task.state !== 'RUNNING')) process.exitCode = 1;
    });

  connect
    .command('remove')
    .description("delete a source's connector; with --database also its replication slot and publication")
    .addOption(new Option('--source <name>', 'the sector source').choices(SOURCE_NAMES).makeOptionMandatory())
    .option('--database <url>', "the sector's PostgreSQL, to drop the slot (otherwise it keeps the sector's WAL)")
    .action(async (options: { source: SourceName; database?: string }) => {
      const config = loadConfig(process.env);
      const name = connectorName(options.source, config.DANCU_TOPIC_NAMESPACE);
      const removed = await new ConnectClient(config.DANCU_CONNECT_URL).remove(name);
      console.log(removed ? `connector ${name} removed` : `no connector ${name}`);
      if (options.database) {
        const slot = slotName(options.source, config.DANCU_TOPIC_NAMESPACE);
        const dropped = await dropSlot(options.database, slot);
        console.log(dropped ? `replication slot ${slot} dropped` : `no replication slot ${slot}`);
      }
    });

  return connect;
}
