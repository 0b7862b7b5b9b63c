import { DancuError } from '../errors.js';

/**
 * The refusals the steward UI names in its own words (i18n.js, errors): the register's reason for
 * a refusal a steward can act on, which the UI says with what to do next. A code the steward API
 * answers with too (ALREADY_UNDONE, NOT_APPLIED, MERGE_ALREADY_UNDONE, CASE_DECIDED) means the same here. A
 * refusal without one meets only a decision the steward API would not publish (a duplicate case
 * decided by LINK, an UNDO naming no decision…) or a guard of the register's own: it shows as the
 * register's general one.
 */
export const REFUSAL_CODES = [
  'RECORD_DELETED',
  'RECORD_NOT_LINKED',
  'CITIZEN_MERGED_MEANWHILE',
  'PERSONAL_ID_TAKEN',
  'ALREADY_UNDONE',
  'NOT_APPLIED',
  'LATER_DECISION_STANDS',
  'LINK_NOT_KEPT',
  'RECORD_LINKED_AGAIN',
  'PENDING_LATER_OBSERVATION',
  'CITIZEN_MERGED_OR_REMOVED',
  'NEW_CITIZEN_LINKED_SINCE',
  'MERGE_ALREADY_UNDONE',
  'CASE_DECIDED',
] as const;
export type RefusalCode = (typeof REFUSAL_CODES)[number];

/** A steward decision the register no longer allows: recorded as refused with its reason (and its code, when it has one), never retried. */
export class StewardRefusal extends DancuError {
  constructor(
    reason: string,
    readonly refusal?: RefusalCode,
  ) {
    super('STEWARD_DECISION_REFUSED', reason, { retriable: false });
  }
}

export function refuse(reason: string, code?: RefusalCode): never {
  throw new StewardRefusal(reason, code);
}
