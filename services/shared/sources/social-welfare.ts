import { z } from 'zod';
import type { SocialWelfareEvent } from '../schemas/records.js';
import { beforeBirth, factDay } from './fact-dates.js';
import { textAttributes, type SourceAdapter } from './source-adapter.js';

export const socialWelfareAdapter: SourceAdapter<SocialWelfareEvent> = {
  source: 'social-welfare',
  record: 'socialWelfareEvent',
  eventTypes: ['BENEFIT_ENROLMENT', 'BENEFIT_CHANGE', 'BENEFIT_TERMINATION', 'BENEFIT_PAYMENT'],
  details: {
    benefit: z
      .object({
        programme_code: z.string().trim().min(1, 'must not be empty'),
        amount_vnd: z.number().int().nullable(),
        status: z.enum(['ACTIVE', 'SUSPENDED', 'TERMINATED']),
        effective_date: z.string(),
        end_date: z.string().nullable(),
      })
      .passthrough(),
  },
  check(event, person, report, today) {
    const b = event.benefit;
    if (b.amount_vnd !== null && b.amount_vnd < 0) report.flag('BENEFIT_AMOUNT_NEGATIVE', 'benefit.amount_vnd');
    // A planned end or a scheduled termination may lie ahead; an effective date in the future is announced, not happened.
    const start = factDay(b.effective_date, report, 'BENEFIT_DATE_INVALID', 'benefit.effective_date', today, { future: true });
    const end = b.end_date === null ? null : factDay(b.end_date, report, 'BENEFIT_DATE_INVALID', 'benefit.end_date', today, { future: true });
    if (start !== null && end !== null && end < start) report.flag('BENEFIT_END_BEFORE_START', 'benefit.end_date');
    if (start !== null && beforeBirth(start, person)) report.flag('BENEFIT_BEFORE_BIRTH', 'benefit.effective_date');
    if (event.event_type === 'BENEFIT_TERMINATION' && b.status !== 'TERMINATED') report.flag('BENEFIT_STATUS_MISMATCH', 'benefit.status');
    return { eventDate: start, dateOfDeath: null, attributes: textAttributes({ ...b }) };
  },
};
