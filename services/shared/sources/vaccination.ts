import { z } from 'zod';
import type { VaccinationEvent } from '../schemas/records.js';
import { beforeBirth, factDay } from './fact-dates.js';
import { textAttributes, type SourceAdapter } from './source-adapter.js';

export const vaccinationAdapter: SourceAdapter<VaccinationEvent> = {
  source: 'vaccination',
  record: 'vaccinationEvent',
  eventTypes: ['VACCINATION'],
  details: {
    vaccination: z.object({ vaccine_code: z.string(), dose_number: z.number().int(), date_administered: z.string() }).passthrough(),
  },
  check(event, person, report, today) {
    const v = event.vaccination;
    if (v.vaccine_code.trim() === '') report.flag('VACCINE_CODE_MISSING', 'vaccination.vaccine_code');
    if (v.dose_number < 1 || v.dose_number > 10) report.flag('DOSE_NUMBER_INVALID', 'vaccination.dose_number');
    const day = factDay(v.date_administered, report, 'VACCINATION_DATE_INVALID', 'vaccination.date_administered', today);
    if (day !== null && beforeBirth(day, person)) report.flag('VACCINATION_BEFORE_BIRTH', 'vaccination.date_administered');
    return { eventDate: day, dateOfDeath: null, attributes: textAttributes({ ...v, vaccine_code: v.vaccine_code.trim().toUpperCase() }) };
  },
};
