import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../services/shared/errors.js';
import { loadRecordSchema } from '../../services/shared/schemas/avro-files.js';
import { changeOrigin, debeziumToEvent, loadDebeziumMappings, lsnText, observationIdentity } from '../../services/shared/sources/debezium.js';
import { toObservation } from '../../services/shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';
import { birthRow, days, envelope, licenceRow, source, vaccinationRow, welfareRow, withSchemaWrapper } from '../fixtures/debezium.js';

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

/** A row of stack/sector-vaccination.sql's `vaccinations`, as the JSON converter without schemas writes it (decimal.handling.mode=string). */
function clinicRow(id: number, dose: string, given: string) {
  return {
    vaccination_id: id,
    patient_national_id: null,
    patient_name: 'Lê Thị Lan',
    patient_date_of_birth: days('2021-05-04'),
    patient_sex: 'F',
    patient_address: 'Tổ 4, Phường 3, Quận 5',
    vaccine_code: 'MR',
    vaccine_name: 'Measles-rubella',
    dose_number: dose,
    administered_on: given,
    facility: 'Trạm y tế phường 3',
    lot_number: 'LOT-7',
  };
}

describe('Debezium changes without the schema wrapper (JSON, schemas.enable=false)', () => {
  const adapter = SOURCE_ADAPTERS.vaccination;
  const observe = (change: object, at = NOW) =>
    toObservation(adapter, debeziumToEvent(adapter, mappings, change, CONTEXT), CONTEXT, at, observationIdentity(change));

  it('types the bare values by the mapping: a date as days since 1970, a decimal sent as text as the int the mapping asks for', () => {
    const event = debeziumToEvent(adapter, mappings, envelope('c', null, clinicRow(5, '2', '03/11/2026'), source('tiemchung', 'vaccinations', TS)), CONTEXT);
    expect(event).toMatchObject({
      source_record_id: '5',
      person: { date_of_birth: '2021-05-04', personal_id: null },
      vaccination: { dose_number: 2, date_administered: '03/11/2026' },
    });
    expect(loadRecordSchema('vaccinationEvent').type.isValid(event)).toBe(true);
  });

  it('refuses a dose sent as a decimal that is not a whole number (the text is kept exact, never rounded)', () => {
    const change = envelope('c', null, clinicRow(6, '1.5', '03/11/2026'), source('tiemchung', 'vaccinations', TS));
    expect(codes(() => observe(change))).toContain('FIELD_INVALID');
  });

  it('gives a row read again by a later snapshot the id it had: its identity is its content, not the time it was read', () => {
    const row = clinicRow(7, '1', '03/11/2026');
    const first = observe(envelope('r', null, row, source('tiemchung', 'vaccinations', TS)));
    const again = observe(envelope('r', null, row, source('tiemchung', 'vaccinations', TS + 3_600_000)));
    const changed = observe(envelope('r', null, { ...row, lot_number: 'LOT-8' }, source('tiemchung', 'vaccinations', TS + 3_600_000)));
    expect(again.observation_id).toBe(first.observation_id);
    expect(changed.observation_id).not.toBe(first.observation_id);
  });

  it('keeps the time in the identity of a change: the same row inserted again later is a new observation', () => {
    const row = clinicRow(8, '1', '03/11/2026');
    const first = observe(envelope('c', null, row, source('tiemchung', 'vaccinations', TS)));
    const later = observe(envelope('c', null, row, source('tiemchung', 'vaccinations', TS + 1)));
    expect(later.observation_id).not.toBe(first.observation_id);
  });

  it('gives two updates of one row in one transaction (one commit time, two places in the log) two ids', () => {
    const row = clinicRow(10, '1', '03/11/2026');
    const first = observe(envelope('u', null, row, { ...source('tiemchung', 'vaccinations', TS), lsn: 24_023_928 }));
    const correction = observe(envelope('u', null, { ...row, patient_name: 'Lê Thị Lành' }, { ...source('tiemchung', 'vaccinations', TS), lsn: 24_024_112 }));
    expect(correction.observation_id).not.toBe(first.observation_id);
  });

  it('gives two updates of one row in one transaction that write the same values two ids: their places in the log differ', () => {
    const row = clinicRow(11, '1', '03/11/2026');
    const first = observe(envelope('u', null, row, { ...source('tiemchung', 'vaccinations', TS), lsn: 24_023_928 }));
    const again = observe(envelope('u', null, row, { ...source('tiemchung', 'vaccinations', TS), lsn: 24_024_112 }));
    expect(again.observation_id).not.toBe(first.observation_id);
  });

  it('gives a change the connector sends again after a restart (same place in the log, a later envelope time) the id it had', () => {
    const change = envelope('u', null, clinicRow(12, '1', '03/11/2026'), source('tiemchung', 'vaccinations', TS));
    const first = observe(change);
    const resent = observe({ ...change, ts_ms: change.ts_ms + 60_000 });
    expect(resent.observation_id).toBe(first.observation_id);
  });
});

describe("where a change comes from in the sector's database", () => {
  it('reads the table, the row key and the LSN in PostgreSQL notation', () => {
    const change = withSchemaWrapper(envelope('c', null, clinicRow(9, '1', '30/02/2026'), { ...source('tiemchung', 'vaccinations', TS), lsn: 23_803_720 }));
    expect(changeOrigin(change, Buffer.from('{"vaccination_id":9}'))).toEqual({ table: 'public.vaccinations', key: '{"vaccination_id":9}', lsn: '0/16B3748' });
  });

  it('writes an LSN beyond 32 bits with its high part, and leaves out what the message does not say', () => {
    expect(lsnText(2n ** 32n + 255n)).toBe('1/FF');
    expect(lsnText('4294967296')).toBe('1/0');
    expect(changeOrigin('not an envelope', null)).toEqual({ table: null, key: null, lsn: null });
    expect(changeOrigin(null, Buffer.from([0xff, 0x00]))).toEqual({ table: null, key: 'hex:ff00', lsn: null });
  });
});
