import { toObservation } from '../../services/shared/sources/sector-event.js';
import { SOURCE_ADAPTERS } from '../../services/shared/sources/source-adapters.js';
import { vaccinationEvent } from '../fixtures/sector-events.js';

const NOW = new Date('2026-11-20T08:00:00Z');

/** A synthetic vaccination made by the office `officeArea` names, as ingest observes it: a person without an ID or address. */
export function vaccinationObservedAt(officeArea: string | null) {
  const event = vaccinationEvent(
    { personal_id: null, full_name: 'Nguyen Van Hung', date_of_birth: '1990-05-14', sex: 'M', address: null, office_area: officeArea },
    'TC-9',
    { event_time: NOW.getTime() - 3_600_000, vaccination: { vaccine_code: 'MR', date_administered: '2026-11-18', facility: 'Trạm y tế xã An Phú' } },
  );
  return toObservation(SOURCE_ADAPTERS.vaccination, event, { topic: 't', partition: 0, offset: '1' }, NOW);
}
