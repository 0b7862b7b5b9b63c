import { indexedRuleIdentity } from '../../linkage/blocking.js';
import { keepingBlockingRules, type LinkageSettings } from '../../linkage/settings.js';
import type { CitizenRow } from '../../register/citizen-row.js';
import type { PersonObservation } from '../../schemas/records.js';
import { keysOfCitizen } from './citizen-state.js';
import { enoughSharedKeys, keyLockNames, keysOfRow, lookedUpKeys, recordKeysOf, type BlockingKey } from './record-keys.js';

/**
 * Links re-examined when the register changes: what a change is, and which of the records the
 * database found in its reach go back to the linker. No I/O (register-reexamination.ts reads and
 * sends); the same inputs give the same records in the same order.
 */

/**
 * What changed a citizen's identity: registered, their name, date of birth or sex corrected,
 * another citizen merged into them, a steward's merge undone (both citizens), a steward
 * taking a record off them that their identity leant on, or a steward's undo putting such a
 * record back on them.
 */
export type ReexaminationTrigger = 'CREATED' | 'CORRECTED' | 'MERGED' | 'UNMERGED' | 'UNLINKED' | 'RESTORED';

/** The fields whose change may bring records into (or out of) a citizen's reach: those blocking and scoring lean on. */
export const IDENTITY_FIELDS: ReadonlySet<string> = new Set(['full_name', 'date_of_birth', 'sex']);

/**
 * Records sent back per store transaction at most (a chunk of decisions, a steward's decision),
 * whatever the number of changes in it, unless configured: a common name and date of birth can
 * put many strangers' records in reach, and each is a full linker decision. What is over the bound
 * is counted on the changes' rows (register_reexaminations.over_bound). The store's own bound is
 * reexaminationBoundFor its chunk size; this one is for a transaction not given one.
 */
export const DEFAULT_MAX_RECORDS_PER_TRANSACTION = 50;

/** The store's bound unless configured: a quarter of the chunk size it works with, so re-examinations add at most a quarter to the linker's work per full chunk. */
export function reexaminationBoundFor(chunkSize: number): number {
  return Math.ceil(chunkSize / 4);
}

/** A citizen whose identity a transaction changed, as it left them (their keys are computed with the register's current settings). */
export interface RegisterChange {
  citizenId: string;
  trigger: ReexaminationTrigger;
  row: CitizenRow;
}

/**
 * The settings reach is computed with: the current version's (what the linker decides with),
 * with only the blocking rules the stored keys were built with, the same name and definition in
 * `indexed` (the settings the store writes every key with; the block size cap aside, which keys
 * do not depend on). A changed citizen's key under a rule defined otherwise, or one the stored
 * keys lack, would be compared with keys that mean something else (or with none): reach under
 * that rule is unknown until the keys are rewritten, so the rule is left out and named.
 */
export function indexedReachSettings(current: LinkageSettings, indexed: LinkageSettings): { settings: LinkageSettings; notIndexed: string[] } {
  const stored = new Map(indexed.blocking_rules.map((rule) => [rule.name, indexedRuleIdentity(rule)]));
  const notIndexed = current.blocking_rules.filter((rule) => stored.get(rule.name) !== indexedRuleIdentity(rule)).map((rule) => rule.name);
  if (notIndexed.length === 0) return { settings: current, notIndexed };
  return { settings: keepingBlockingRules(current, (rule) => !notIndexed.includes(rule.name)), notIndexed };
}

/** A change with its keys under the settings reach is computed with. */
export interface KeyedChange extends RegisterChange {
  keys: readonly BlockingKey[];
}

/**
 * The changes' keys under the given settings, as the citizens' key table holds them (the
 * name-frequency row included: a namesake sharing one blocking key more is a citizen whose
 * records are worth checking), less a placeholder ID, which no lookup reaches. Whether a record
 * is in reach is decided on its own blocking keys (planReexaminations), which never match a
 * name-frequency row.
 */
export function keyedChanges(settings: LinkageSettings, changes: readonly RegisterChange[]): KeyedChange[] {
  return changes.map((change) => ({ ...change, keys: lookedUpKeys(settings, keysOfCitizen(settings, change.row)) }));
}

/** What the database found in reach of one changed citizen, before the bound (each record counted for one change only). */
export interface ReachCount {
  changed: string;
  /** Waiting unlinked or in an open review case no steward has taken. */
  held: number;
  /** Linked to another citizen in reach, not by a steward, not to the holder of its own personal ID. */
  linked: number;
  /** Linked by a steward (a must-link): a steward's decision is never re-examined. */
  stewardHeld: number;
  /** Linked before the register kept observations with links: cannot be sent. */
  unstored: number;
}

/** A record the database picked for sending, in the order of the pick (fairest first). */
export interface PickedRecord {
  changed: string;
  /** Where it is: waiting, in review, or linked (a linked record's own keys are checked here). */
  table: 'unlinked_records' | 'review_cases' | 'record_links';
  observation: PersonObservation;
  /** A linked record's citizen when it was read: its re-examination is stamped only while the link is still theirs. */
  linkedTo?: string;
}

/** What one change did: the records sent back, and the counts of what was in reach and why the rest was not sent. */
export interface ReexaminationPlan {
  change: KeyedChange;
  send: PickedRecord[];
  /**
   * Linked records picked and found out of reach on their own keys: looked at all the same, so
   * their re-examination is stamped (or, never stamped, they would sort first and fill every pick).
   */
  outOfOwnReach: PickedRecord[];
  /** Records in reach, sent or not. */
  inReach: number;
  /** In reach, not sent: over the transaction's bound (some not read may prove out of reach on their own keys). */
  overBound: number;
  stewardHeld: number;
  unstored: number;
}

/** The changes of identity that are not registrations: a registration is known by its time, and its keys were locked before (classify.ts, citizen-locks.ts). */
export function changesOfExistingCitizens(changes: readonly RegisterChange[]): RegisterChange[] {
  return changes.filter((change) => change.trigger !== 'CREATED');
}

/**
 * The advisory locks a transaction takes, exclusively, on the keys of the citizens whose identity
 * it changed (changesOfExistingCitizens), as they are now. A record kept waiting on one of those keys
 * holds it shared (records-in-reach.ts, takeKeyLocks): the two apply one after the other, and the
 * second sees the first, so the record is either in the change's reach or finds the changed
 * citizen itself (records-in-reach.ts, recentCitizensInReach).
 */
export function changedIdentityLocks(settings: LinkageSettings, changes: readonly RegisterChange[]): string[] {
  return changesOfExistingCitizens(changes).flatMap((change) => keyLockNames(settings, keysOfRow(settings, change.row)));
}

/** Whether a decision's changes to a citizen touch their identity. */
export function changesIdentity(changes: readonly { field: string }[]): boolean {
  return changes.some((change) => IDENTITY_FIELDS.has(change.field));
}

/**
 * The records the transaction's changes send back, out of those the database picked (fairest
 * first, at most twice the room left: some linked ones prove out of reach here) and counted. A
 * linked record goes only when its own keys share enough with the changed citizen's (its
 * citizen's keys brought it in reach); at most `room` records in all; the rest is over the bound.
 */
export function planReexaminations(
  settings: LinkageSettings,
  changes: readonly KeyedChange[],
  counts: readonly ReachCount[],
  picked: readonly PickedRecord[],
  room: number,
): ReexaminationPlan[] {
  const plans = new Map<string, ReexaminationPlan>();
  for (const change of changes) {
    if (plans.has(change.citizenId)) continue;
    const count = counts.find((c) => c.changed === change.citizenId);
    const candidates = count ? count.held + count.linked : 0;
    plans.set(change.citizenId, {
      change,
      send: [],
      outOfOwnReach: [],
      inReach: candidates + (count?.stewardHeld ?? 0) + (count?.unstored ?? 0),
      overBound: candidates,
      stewardHeld: count?.stewardHeld ?? 0,
      unstored: count?.unstored ?? 0,
    });
  }
  let sent = 0;
  for (const record of picked) {
    const plan = plans.get(record.changed);
    if (!plan) continue;
    if (record.table === 'record_links' && !enoughSharedKeys(settings, recordKeysOf(settings, record.observation), plan.change.keys)) {
      plan.inReach -= 1;
      plan.overBound -= 1;
      plan.outOfOwnReach.push(record);
      continue;
    }
    if (sent >= room) continue;
    sent += 1;
    plan.send.push(record);
    plan.overBound -= 1;
  }
  return [...plans.values()];
}
