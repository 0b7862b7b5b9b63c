import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../services/shared/errors.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import { debeziumToEvent, loadDebeziumMappings } from '../../services/shared/sources/debezium.js';
import { toObservation } from '../../services/shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';
import { birthRow, envelope, licenceRow, source, vaccinationRow, welfareRow, withSchemaWrapper } from '../fixtures/debezium.js';

const mappings = loadDebeziumMappings();
const CONTEXT = { topic: 'cdc.test.v1', partition: 0, offset: '1' };
const NOW = new Date('2026-11-20T08:00:00Z');
const TS = NOW.getTime() - 60_000;

function codes(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => issue.code);
    throw error;
  }
}

describe('Debezium change events', () => {
  it('maps a birth row wrapped with its schema into a civil-status event that fits the Avro schema', () => {
    const change = withSchemaWrapper(envelope('c', null, birthRow(7, '001226000777', 'NGUYỄN VĂN BÌNH', '2026-11-01'), source('hotich', 'khai_sinh', TS)));
    const event = debeziumToEvent(SOURCE_ADAPTERS['civil-status'], mappings, change, CONTEXT);
    expect(loadRecordSchema('civilStatusEvent').type.isValid(event)).toBe(true);
    expect(event).toMatchObject({
      source_system: 'hotich',
      source_record_id: '7',
      change_type: 'CREATE',
      event_type: 'BIRTH_REGISTRATION',
      event_time: TS,
      registration_date: '2026-11-04',
      person: { date_of_birth: '2026-11-01' },
      death: null,
    });
  });

  it('maps a vaccination, a welfare enrolment and a licence into observations of their source', () => {
    const cases = [
      [
        'vaccination',
        envelope('c', null, vaccinationRow('MT-1', null, 'Nguyen Thi Mai', '2020-03-03', '2026-11-18'), source('tiemchung', 'tiem_chung', TS)),
        'VACCINATION',
      ],
      [
        'social-welfare',
        envelope('r', null, welfareRow('HS-1', '001340000001', 'Đỗ Thị Hoa', '1940-01-01', '2026-11-01'), source('btxh', 'doi_tuong_tro_cap', TS)),
        'BENEFIT_ENROLMENT',
      ],
      [
        'driver-licence',
        envelope('u', null, licenceRow('011234567890', '001090000001', 'Hoàng Văn Tú', '1990-02-02', '2026-11-01'), source('gplx', 'giay_phep_lai_xe', TS)),
        'LICENCE_RENEWED',
      ],
    ] as const;
    for (const [name, change, eventType] of cases) {
      const adapter = SOURCE_ADAPTERS[name];
      const observation = toObservation(adapter, debeziumToEvent(adapter, mappings, change, CONTEXT), CONTEXT, NOW);
      expect({ source: observation.source, event_type: observation.event_type }).toEqual({ source: name, event_type: eventType });
    }
  });

  it('reads a delete from the row before it', () => {
    const row = licenceRow('011234567890', '001090000001', 'Hoàng Văn Tú', '1990-02-02', '2026-11-01');
    const event = debeziumToEvent(SOURCE_ADAPTERS['driver-licence'], mappings, envelope('d', row, null, source('gplx', 'giay_phep_lai_xe', TS)), CONTEXT);
    expect(event).toMatchObject({
      change_type: 'DELETE',
      event_type: 'LICENCE_REVOKED',
      source_record_id: '011234567890',
      person: { full_name: 'Hoàng Văn Tú' },
    });
  });

  it('refuses a change from a table that has no mapping (CDC_TABLE_UNMAPPED)', () => {
    const change = envelope('c', null, { id: 1 }, source('hotich', 'ket_hon', TS));
    expect(codes(() => debeziumToEvent(SOURCE_ADAPTERS['civil-status'], mappings, change, CONTEXT))).toEqual(['CDC_TABLE_UNMAPPED']);
  });

  it('refuses JSON that is not an envelope (CDC_NOT_AN_ENVELOPE)', () => {
    expect(codes(() => debeziumToEvent(SOURCE_ADAPTERS.vaccination, mappings, { id: 1, name: 'x' }, CONTEXT))).toContain('CDC_NOT_AN_ENVELOPE');
  });

  it('refuses a truncate, which is no row change (CDC_NOT_AN_ENVELOPE)', () => {
    const change = { ...envelope('c', null, null, source('tiemchung', 'tiem_chung', TS)), op: 't' };
    expect(codes(() => debeziumToEvent(SOURCE_ADAPTERS.vaccination, mappings, change, CONTEXT))).toEqual(['CDC_NOT_AN_ENVELOPE']);
  });
});
