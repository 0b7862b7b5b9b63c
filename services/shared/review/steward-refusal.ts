import { DancuError } from '../errors.js';

/** A steward decision the register no longer allows: recorded as refused with its reason, never retried. */
export class StewardRefusal extends DancuError {
  constructor(reason: string) {
    super('STEWARD_DECISION_REFUSED', reason, { retriable: false });
  }
}

export function refuse(reason: string): never {
  throw new StewardRefusal(reason);
}
