import { DancuError } from '../errors.js';

/**
 * The refusals the steward UI names in its own words (i18n.js, errors): the register's reason for
 * a refusal a steward can act on. Any other refusal shows as the register's general one.
 */
export const REFUSAL_CODES = ['RECORD_DELETED'] as const;
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
