import { describe, expect, it } from 'vitest';
import { toObservation } from '../../services/shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';

const NOW = new Date('2026-11-20T08:00:00Z');
const POSITION = { topic: 'sector.vaccination.v1', partition: 0, offset: '7' };

/** A vaccination as its publisher's first schema version decodes it. */
const vaccination = (): Record<string, any> => ({
  source_system: 'tiem-chung',
  source_record_id: 'TC-1',
  change_type: 'CREATE',
  event_type: 'VACCINATION',
  event_time: NOW.getTime() - 3_600_000,
  person: { personal_id: '001320000001', full_name: 'Nguyễn Thị Mai', date_of_birth: '2020-03-03', sex: 'Nữ', address: null },
  vaccination: { vaccine_code: 'MR', vaccine_name: null, dose_number: 1, date_administered: '2026-11-18', facility: null, lot_number: null },
});

const idOf = (event: Record<string, unknown>, identity: 'time' | 'content' = 'time') =>
  toObservation(SOURCE_ADAPTERS.vaccination, event, POSITION, NOW, { identity }).observation_id;

describe("an observation's id across a publisher's schema versions", () => {
  it('stays the same when a later schema version adds an optional field the event leaves null', () => {
    const upgraded = { ...vaccination(), campaign_code: null };
    expect(idOf(upgraded)).toBe(idOf(vaccination()));
  });

  it('stays the same when the added optional field is nested in the person', () => {
    const upgraded = vaccination();
    upgraded.person.place_of_birth = null;
    expect(idOf(upgraded)).toBe(idOf(vaccination()));
  });

  it("stays the same for a snapshot's read of an unchanged record made under the later schema version", () => {
    const upgraded = { ...vaccination(), event_time: NOW.getTime(), campaign_code: null };
    expect(idOf(upgraded, 'content')).toBe(idOf(vaccination(), 'content'));
  });

  it('changes when the added field carries a value', () => {
    const upgraded = { ...vaccination(), campaign_code: 'MR-2026' };
    expect(idOf(upgraded)).not.toBe(idOf(vaccination()));
  });

  it('tells a field with a value from the same field left null', () => {
    const corrected = vaccination();
    corrected.vaccination.lot_number = 'L1234';
    expect(idOf(corrected)).not.toBe(idOf(vaccination()));
  });

  it('changes when the same content is sent at another time', () => {
    expect(idOf({ ...vaccination(), event_time: NOW.getTime() })).not.toBe(idOf(vaccination()));
  });
});
