import type { LinkageSettings } from '../../linkage/settings.js';
import type { CitizenRow } from '../../register/citizen-row.js';
import { LINKED_RECORD_CONTRADICTED, SOURCE_RECORD_LINKED } from '../../register/observation-verdict.js';
import type { LinkDecision } from '../../schemas/records.js';
import { citizenOf, newCitizenId, ownPersonalId } from './new-citizen.js';
import type { SourceRecord } from './planned-rows.js';
import { keysOfRow, MAX_RELINK_ATTEMPTS, recordKeysOf, recordLockKeys, type BlockingKey, type KeyLock } from './record-keys.js';

/** What the load phase must lock and read for a chunk, from its decisions alone. */
export interface Classified {
  /** Later attempts: were their records linked already? */
  retries: string[];
  /** The linker's later looks at records (not a steward's): their review cases are locked. */
  rechecks: string[];
  /**
   * Source records whose open cases of other events a decision may close (mayCloseRecordCases):
   * locked with the rechecks' cases, so a chunk takes every case row it writes before keys and
   * citizens.
   */
  caseRecords: SourceRecord[];
  /**
   * The record locks (recordLock) of every record whose case rows the chunk locks (the rechecks'
   * and caseRecords, deletions among them), taken before those rows (review/citizen-locks.ts has
   * the order): so two decisions on one record (a settings change's send-back and the next
   * change's, a steward's and a deletion) are applied one after the other, and the link a deletion
   * reads after is the one a steward's decision on the record left. And of every other record
   * decided (decidedRecords), but by a steward's own decision (steward-apply.ts holds it): an event
   * and the record's deletion applied at once, from two partitions, one after the other, so
   * either the deletion reads the link the event made, or the event reads the deletion.
   */
  recordLocks: string[];
  /** Source records a decision deletes: whether and to whom each is linked, and its events waiting unlinked, are read (plan-decisions.ts, deletion). */
  deletedRecords: SourceRecord[];
  /**
   * Source records of the other decisions: the deletions the register holds of each are read, under
   * their record locks (recordLocks), so an event older than one of them changes nothing
   * (plan-decisions.ts, deletedLater).
   */
  decidedRecords: SourceRecord[];
  /**
   * The blocking keys (`rule:key`) of every record that may register or wait for a citizen, taken
   * after the case rows: exclusively by a record that may register one, shared by one that may only
   * wait (records-in-reach.ts, takeKeyLocks).
   */
  lockKeys: KeyLock[];
  /**
   * Records kept unlinked or in review at an attempt past the store's relink budget: how many of
   * their attempts were sends by changes (not the store's own) is read, and decides whether the
   * store may still send them back itself (below the budget there is nothing to read).
   */
  budgetChecks: string[];
  /** Citizens the decisions name, by citizen id or personal ID. */
  citizenIds: string[];
  /** Records that may be sent back if a citizen registered lately shares their keys. */
  reachProbes: { observation_id: string; decided_at: number; keys: readonly BlockingKey[] }[];
  /** The citizens the NEW decisions may register, with their keys (the records waiting for them are found by these). */
  newCitizens: { row: CitizenRow; keys: BlockingKey[] }[];
  /** Decisions carrying a date of death: the facts of their citizens are read. */
  dying: LinkDecision[];
}

/**
 * Whether applying the decision may close open cases of its source record beside its own
 * (plan-decisions.ts, closeRecordCases): a later event that follows the record's link, its
 * deletion, another event of it doubted. A chunk locks those cases in its first locks, as it
 * does the cases of the records it decides again, each after its record's lock: record locks,
 * case rows, keys, citizens, the order of a steward's decision (review/citizen-locks.ts). Taken
 * when writing, after the citizens, a case row would close a circle with a steward's decision on
 * that case, or with another chunk deciding its event again, each waiting for what the other holds.
 */
export function mayCloseRecordCases(decision: LinkDecision): boolean {
  return decision.observation.change_type === 'DELETE' || decision.reason === SOURCE_RECORD_LINKED || decision.reason === LINKED_RECORD_CONTRADICTED;
}

/**
 * The advisory lock of a source record (records-in-reach.ts, lockKeys), the first lock of the
 * decisions that read its link or its cases and act on them: here the linker's later looks at it,
 * its deletions and the events that may close its cases (Classified.recordLocks), and a steward's
 * decision on its case (review/citizen-locks.ts), which takes it before its case row and before it
 * reads the link it changes. Read without it, the link a deletion takes away was the one before a
 * steward's move or link committing meanwhile: the record came off the citizen it had left, or
 * stayed on the one the steward linked it to although deleted at its source.
 */
export function recordLock(record: SourceRecord): string {
  return `record:${record.source}/${record.source_system}/${record.source_record_id}`;
}

/** Sorts a chunk's decisions (those not applied before: `fresh`) by what each needs read and locked. */
export function classify(decisions: readonly LinkDecision[], fresh: ReadonlySet<string>, settings: LinkageSettings): Classified {
  const mine = decisions.filter((d) => fresh.has(d.decision_id));
  const retries = mine.filter((d) => d.observation.attempt > 0);
  // A deletion makes no citizen, opens no case and waits for no one, whatever the linker decided: the citizen it takes the record off is its link's.
  const deletions = mine.filter((d) => d.observation.change_type === 'DELETE');
  const others = mine.filter((d) => d.observation.change_type !== 'DELETE');
  const waiting = others.filter((d) => d.decision === 'NEW' || d.decision === 'UNLINKED' || d.decision === 'REVIEW');
  const mayRequeue = others.filter(
    (d) =>
      (d.decision === 'NEW' && !ownPersonalId(d.observation) && d.observation.attempt === 0 && d.method !== 'STEWARD') ||
      d.decision === 'UNLINKED' ||
      d.decision === 'REVIEW',
  );
  const births = others.filter((d) => d.decision === 'NEW');
  const recordOf = ({ observation: o }: LinkDecision): SourceRecord => ({
    source: o.source,
    source_system: o.source_system,
    source_record_id: o.source_record_id,
  });
  // The linker's later looks (not a steward's, whose decision holds its record's lock already: steward-apply.ts).
  const rechecks = retries.filter((d) => d.method !== 'STEWARD');
  const caseRecords = mine.filter(mayCloseRecordCases).map(recordOf);
  // A steward's own decision holds its record's lock already (steward-apply.ts).
  const byLinker = others.filter((d) => d.reason !== 'STEWARD_DECISION');
  return {
    retries: retries.map((d) => d.observation.observation_id),
    rechecks: rechecks.map((d) => d.observation.observation_id),
    caseRecords,
    deletedRecords: deletions.map(recordOf),
    decidedRecords: others.map(recordOf),
    recordLocks: [...new Set([...rechecks.map(recordOf), ...caseRecords, ...byLinker.map(recordOf)].map(recordLock))],
    lockKeys: waiting.flatMap((d) => recordLockKeys(settings, d.observation).map((key) => ({ key, exclusive: d.decision === 'NEW' }))),
    citizenIds: [
      ...new Set(others.flatMap((d) => (d.decision === 'LINK' && d.citizen_id ? [d.citizen_id] : d.decision === 'NEW' ? [newCitizenId(d.observation)] : []))),
    ],
    budgetChecks: mayRequeue.filter((d) => d.decision !== 'NEW' && d.observation.attempt >= MAX_RELINK_ATTEMPTS).map((d) => d.observation.observation_id),
    reachProbes: mayRequeue.map((d) => ({
      observation_id: d.observation.observation_id,
      decided_at: d.decided_at,
      keys: recordKeysOf(settings, d.observation),
    })),
    newCitizens: births.map((d) => {
      const row = citizenOf(d.observation);
      return { row, keys: keysOfRow(settings, row) };
    }),
    dying: others.filter((d) => d.observation.date_of_death !== null && (d.decision === 'LINK' || d.decision === 'NEW')),
  };
}
