import { describe, expect, it } from 'vitest';
import {
  avroName,
  connectorDefinition,
  envelopeArtifact,
  redactConfig,
  unmappedTables,
  type ConnectorRequest,
} from '../../services/cli/connect/connector-config.js';
import { artifactsOf } from '../../services/cli/connect/connector-schemas.js';
import { loadDebeziumMappings, variableScaleDecimal } from '../../services/shared/sources/debezium.js';

const mappings = loadDebeziumMappings();
const REQUEST: ConnectorRequest = {
  source: 'vaccination',
  databaseUrl: 'postgres://capture:s3cret@10.0.0.5:5433/tiemchung',
  tables: ['vaccinations'],
  converter: 'json',
  system: 'tiemchung-hcm',
  topic: 'run-1.cdc.vaccination.v1',
  registryUrl: 'http://127.0.0.1:8081/apis/ccompat/v7',
  namespace: 'run-1',
  snapshot: 'initial',
  heartbeatMs: 10_000,
};

describe("a sector's connector configuration", () => {
  it('captures the tables with a slot and publication of its own and routes every change to the source topic', () => {
    const { name, config } = connectorDefinition(REQUEST, mappings);
    expect(name).toBe('dancu-run-1-vaccination');
    expect(config).toMatchObject({
      'database.hostname': '10.0.0.5',
      'database.port': '5433',
      'database.user': 'capture',
      'database.dbname': 'tiemchung',
      'topic.prefix': 'tiemchung-hcm',
      'slot.name': 'dancu_run_1_vaccination',
      'publication.name': 'dancu_run_1_vaccination',
      'table.include.list': 'public.vaccinations',
      'transforms.route.replacement': 'run-1.cdc.vaccination.v1',
      'value.converter.schemas.enable': 'true',
    });
    expect(new RegExp(`^${config['transforms.route.regex']}$`).test('tiemchung-hcm.public.vaccinations')).toBe(true);
    expect(new RegExp(`^${config['transforms.route.regex']}$`).test('__debezium-heartbeat.tiemchung-hcm')).toBe(false);
  });

  it("keeps the mapping's skipped columns in the sector's database", () => {
    const excluded = connectorDefinition(REQUEST, mappings).config['column.exclude.list']!.split(',');
    expect(excluded).toContain('public\\.vaccinations\\.clinical_notes');
    expect(excluded).toContain('public\\.vaccinations\\.administered_by');
  });

  it('writes Confluent wire format through the registry API with one subject per table for Avro', () => {
    const { config } = connectorDefinition({ ...REQUEST, converter: 'avro' }, mappings);
    expect(config).toMatchObject({
      'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
      'value.converter.apicurio.registry.url': 'http://127.0.0.1:8081/apis/registry/v2',
      'value.converter.apicurio.registry.as-confluent': 'true',
      'value.converter.apicurio.registry.use-id': 'contentId',
      'value.converter.apicurio.registry.headers.enabled': 'false',
      'schema.name.adjustment.mode': 'avro',
      'decimal.handling.mode': 'precise',
    });
  });

  it('writes the bare envelope for json-plain, with decimals as text (without a schema a fixed-scale decimal has no scale)', () => {
    const { config } = connectorDefinition({ ...REQUEST, converter: 'json-plain' }, mappings);
    expect(config).toMatchObject({ 'value.converter.schemas.enable': 'false', 'decimal.handling.mode': 'string' });
    expect(connectorDefinition(REQUEST, mappings).config).toMatchObject({ 'value.converter.schemas.enable': 'true', 'decimal.handling.mode': 'precise' });
  });

  it("finds an Avro connector's table schemas where the converter registers them, under a name Avro accepts", () => {
    expect(avroName('tiemchung-hcm.public.vaccinations')).toBe('tiemchung_hcm.public.vaccinations');
    expect(avroName('1so.public.t')).toBe('_so.public.t');
    expect(envelopeArtifact('tiemchung-hcm', 'vaccinations')).toEqual({ groupId: 'tiemchung_hcm.public.vaccinations', artifactId: 'Envelope' });
    expect(artifactsOf(connectorDefinition({ ...REQUEST, converter: 'avro' }, mappings).config)).toEqual([
      { groupId: 'tiemchung_hcm.public.vaccinations', artifactId: 'Envelope' },
    ]);
    expect(artifactsOf(connectorDefinition(REQUEST, mappings).config)).toEqual([]);
  });

  it('names the tables that have no mapping, and never prints the password', () => {
    expect(unmappedTables(mappings, 'vaccination', ['patients', 'public.vaccinations'])).toEqual(['patients']);
    const shown = redactConfig(connectorDefinition(REQUEST, mappings).config);
    expect(shown['database.password']).toBe('***');
    expect(JSON.stringify(shown)).not.toContain('s3cret');
  });
});

describe("Debezium's VariableScaleDecimal", () => {
  it('decodes the scale and the big-endian unscaled bytes, from base64 (JSON) or bytes (Avro)', () => {
    expect(variableScaleDecimal({ scale: 0, value: Buffer.from([2]).toString('base64') })).toBe(2);
    expect(variableScaleDecimal({ scale: 2, value: Uint8Array.from([0x04, 0xd2]) })).toBe(12.34);
    expect(variableScaleDecimal({ scale: 1, value: Buffer.from([0xff, 0x85]).toString('base64') })).toBe(-12.3);
    expect(variableScaleDecimal('3')).toBe('3');
  });
});
