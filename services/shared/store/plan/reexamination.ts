import type { LinkageSettings } from '../../linkage/settings.js';
import type { PersonObservation } from '../../schemas/records.js';
import type { WaitingInReach } from './loaded-state.js';
import { enoughSharedKeys, recordKeysOf, type BlockingKey } from './record-keys.js';

/**
 * Links re-examined when the register changes: what a change is, which stored records are in its
 * reach, and which of them go back to the linker. No I/O (register-reexamination.ts reads and
 * sends); the same inputs give the same records in the same order.
 */

/** What changed a citizen's identity: registered, their name, date of birth or sex corrected, or another citizen merged into them. */
export type ReexaminationTrigger = 'CREATED' | 'CORRECTED' | 'MERGED';

/** The fields whose change may bring records into (or out of) a citizen's reach: those blocking and scoring lean on. */
export const IDENTITY_FIELDS: ReadonlySet<string> = new Set(['full_name', 'date_of_birth', 'sex']);

/**
 * Records sent back per change at most, unless configured: a common name and date of birth can
 * put many strangers' records in reach, and each is a full linker decision. What is over the
 * bound is counted on the change's row (register_reexaminations.over_bound) and logged.
 */
export const DEFAULT_MAX_RECORDS_PER_CHANGE = 50;

/** A citizen whose identity a transaction changed, with their blocking keys as it left them. */
export interface RegisterChange {
  citizenId: string;
  trigger: ReexaminationTrigger;
  keys: readonly BlockingKey[];
}

/** A record linked to another citizen who shares enough keys with the changed one. */
export interface LinkedInReach {
  citizen_id: string;
  method: string;
  /** The personal ID of the citizen it is linked to. */
  linked_personal_id: string | null;
  /** Its latest observation; null for a link made before the register kept them (migration 020). */
  observation: PersonObservation | null;
}

/** What one change does: the records sent back, and the counts of what was in reach and why the rest was not sent. */
export interface ReexaminationPlan {
  change: RegisterChange;
  send: PersonObservation[];
  /** Records in reach, sent or not. */
  inReach: number;
  /** In reach, not sent: over the per-change bound. */
  overBound: number;
  /** Linked by a steward (a must-link): a steward's decision is never re-examined. */
  stewardHeld: number;
  /** Linked before the register kept observations with links: cannot be sent. */
  unstored: number;
}

/** Whether a decision's changes to a citizen touch their identity. */
export function changesIdentity(changes: readonly { field: string }[]): boolean {
  return changes.some((change) => IDENTITY_FIELDS.has(change.field));
}

/**
 * The records one change sends back to the linker: records waiting unlinked or in an open review
 * case that share enough keys with the changed citizen (found by their key tables), first — they
 * are the likeliest to link now —, then records linked to other citizens whose own keys share
 * enough with the changed citizen. Never a record linked to the citizen holding its own
 * personal ID, never the changed citizen's own records (a correction from
 * civil status does not make the evidence they were linked on wrong), never a steward's link,
 * never a record another change of the same transaction sends already (`taken`, updated here).
 * At most `maxRecordsPerChange`; the rest is counted, not sent.
 */
export function planReexamination(
  settings: LinkageSettings,
  change: RegisterChange,
  held: readonly WaitingInReach[],
  linked: readonly LinkedInReach[],
  maxRecordsPerChange: number,
  taken: Set<string>,
): ReexaminationPlan {
  const plan: ReexaminationPlan = { change, send: [], inReach: 0, overBound: 0, stewardHeld: 0, unstored: 0 };
  const inReach: PersonObservation[] = held.filter((h) => h.citizen_id === change.citizenId).map((h) => h.observation);
  const byObservation = (a: PersonObservation, b: PersonObservation) =>
    a.observation_id < b.observation_id ? -1 : a.observation_id > b.observation_id ? 1 : 0;
  inReach.sort(byObservation);
  const others: PersonObservation[] = [];
  for (const record of linked) {
    if (record.citizen_id === change.citizenId) continue;
    if (record.observation === null) {
      plan.unstored += 1;
      continue;
    }
    if (!enoughSharedKeys(settings, recordKeysOf(settings, record.observation), change.keys)) continue;
    if (record.method === 'STEWARD') {
      plan.stewardHeld += 1;
      continue;
    }
    // Linked to the citizen holding the record's own personal ID: no other citizen can hold it, so no change elsewhere makes another one likelier.
    if (record.observation.person.personal_id !== null && record.observation.person.personal_id === record.linked_personal_id) continue;
    others.push(record.observation);
  }
  const candidates = [...inReach, ...others.sort(byObservation)].filter((o) => !taken.has(o.observation_id));
  plan.inReach = candidates.length + plan.stewardHeld + plan.unstored;
  for (const observation of candidates) {
    if (plan.send.length >= maxRecordsPerChange) {
      plan.overBound += 1;
      continue;
    }
    taken.add(observation.observation_id);
    plan.send.push(observation);
  }
  return plan;
}
