import { z } from 'zod';
import { PROVINCES_2008 } from '../normalise/provinces.js';
import type { DriverLicenceEvent } from '../schemas/records.js';
import { ageOn, factDay } from './fact-dates.js';
import { textAttributes, type SourceAdapter } from './source-adapter.js';

/** Minimum age per class, Road Traffic Order and Safety Law 2024, art. 59. */
export const LICENCE_MINIMUM_AGE: Readonly<Record<string, number>> = {
  A1: 18,
  A: 18,
  B1: 18,
  B: 18,
  C1: 18,
  C: 21,
  BE: 21,
  D1: 24,
  D2: 24,
  C1E: 24,
  CE: 24,
  D: 27,
  D1E: 27,
  D2E: 27,
  DE: 27,
};

export const driverLicenceAdapter: SourceAdapter<DriverLicenceEvent> = {
  source: 'driver-licence',
  record: 'driverLicenceEvent',
  eventTypes: ['LICENCE_ISSUED', 'LICENCE_RENEWED', 'LICENCE_REVOKED'],
  details: {
    licence: z.object({ licence_number: z.string(), licence_class: z.string(), issue_date: z.string(), expiry_date: z.string().nullable() }).passthrough(),
  },
  check(event, person, report, today) {
    const l = event.licence;
    const number = l.licence_number.replace(/[\s.-]/g, '');
    if (!/^\d{12}$/.test(number)) report.flag('LICENCE_NUMBER_FORMAT', 'licence.licence_number');
    else if (!(`0${number.slice(0, 2)}` in PROVINCES_2008)) report.flag('LICENCE_PROVINCE_UNKNOWN', 'licence.licence_number');
    const licenceClass = l.licence_class.trim().toUpperCase();
    const minimumAge = LICENCE_MINIMUM_AGE[licenceClass];
    if (minimumAge === undefined) report.flag('LICENCE_CLASS_UNKNOWN', 'licence.licence_class');
    const issued = factDay(l.issue_date, report, 'LICENCE_DATE_INVALID', 'licence.issue_date', today);
    const expires = l.expiry_date === null ? null : factDay(l.expiry_date, report, 'LICENCE_DATE_INVALID', 'licence.expiry_date', today, { future: true });
    if (issued !== null && expires !== null && expires < issued) report.flag('LICENCE_EXPIRY_BEFORE_ISSUE', 'licence.expiry_date');
    if (issued !== null && minimumAge !== undefined && person?.date_of_birth && ageOn(issued, person.date_of_birth) < minimumAge) {
      report.flag('LICENCE_HOLDER_UNDER_AGE', 'licence.issue_date', `the holder was under ${minimumAge}, the minimum age for class ${licenceClass}`);
    }
    return { eventDate: issued, dateOfDeath: null, attributes: textAttributes({ ...l, licence_number: number, licence_class: licenceClass }) };
  },
};
