import { toObservation } from '../../services/shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';

const NOW = new Date('2026-11-20T08:00:00Z');

/** A synthetic vaccination made by the office `officeArea` names, as ingest observes it: a person without an ID or address. */
export function vaccinationObservedAt(officeArea: string | null) {
  const event = {
    source_system: 'tiemchung-test',
    source_record_id: 'TC-9',
    change_type: 'CREATE',
    event_type: 'VACCINATION',
    event_time: NOW.getTime() - 3_600_000,
    person: { personal_id: null, full_name: 'Nguyen Van Hung', date_of_birth: '1990-05-14', sex: 'M', address: null, office_area: officeArea },
    vaccination: { vaccine_code: 'MR', vaccine_name: null, dose_number: 1, date_administered: '2026-11-18', facility: 'Trạm y tế xã An Phú', lot_number: null },
  };
  return toObservation(SOURCE_ADAPTERS.vaccination, event, { topic: 't', partition: 0, offset: '1' }, NOW);
}
