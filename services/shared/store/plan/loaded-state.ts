import type { LinkageSettings } from '../../linkage/settings.js';
import type { Survivorship } from '../../register/survivorship.js';
import type { PersonObservation } from '../../schemas/records.js';
import type { CitizenState } from './citizen-state.js';
import type { RecentPair } from './recent-registrations.js';

export type CaseStatus = 'OPEN' | 'CLAIMED' | 'DECIDED';

/** A case as the load phase sees it: `CLOSED` is a case the pipeline decided (no steward did), which new settings may open again. */
export type LoadedCase = CaseStatus | 'CLOSED';

/** What planning needs besides the decisions: the settings, the topics it writes to, and the time of the chunk. */
export interface PlanContext {
  settings: LinkageSettings;
  survivorship: Survivorship;
  topics: { populationUpdates: string; observations: string };
  now: Date;
  /** Records the changes of the register one transaction makes send back to the linker at most (plan/reexamination.ts; its default when absent). */
  maxRecordsPerTransaction?: number;
}

/** A stored record (waiting unlinked, or in an open review case) that a citizen this chunk may register shares enough keys with. */
export interface WaitingInReach {
  observation: PersonObservation;
  /** The attempt it was last decided or sent back at. */
  attempt: number;
  table: 'unlinked_records' | 'review_cases';
  /** The id the new citizen would have. */
  citizen_id: string;
}

/** A record a settings promotion (or rollback) sent back to the linker, as the register holds it when the new decision comes. */
export interface SettingsRelink {
  /** Its source record's link now, or null when it is not linked (waiting, in review). */
  link: { citizenId: string; method: string; score: number } | null;
  /** The thresholds of the settings version that decided again (the register's current version's when it does not hold that one). */
  thresholds: LinkageSettings['thresholds'];
  /** A later settings change sent the record back again: that attempt's decision, not this one, settles it (absent: not). */
  superseded?: boolean;
  /** Sent back by a change of the register (register-reexamination.ts), not by a settings change: its case says so. */
  byRegisterChange?: boolean;
  /**
   * The record's event waits in a case no steward has decided (LINKED_RECORD_CONTRADICTED): a later
   * event of the linked record, not its link decided again (absent: not). Told by the case, never by
   * the observation the link holds: a link made before that was kept, or holding an older event
   * received late, is still the link decided again.
   */
  waiting?: boolean;
}

/** A fact in the register of a citizen the chunk may record the death of. */
export interface StoredFact {
  citizen_id: string;
  observation_id: string;
  source: string;
  source_system: string;
  source_record_id: string;
  kind: string;
  fact_date: string | null;
  event_time: number;
}

/** An event of a source record waiting unlinked: when it happened, which a deletion of the record is compared by (current-observations.ts). */
export interface WaitingEvent {
  observation_id: string;
  event_time: number;
  ingested_at: number;
}

/** A source record a decision of the chunk deletes, as the register holds it: the citizen it is linked to (null: none), and its events waiting unlinked. */
export interface DeletedRecord {
  linkedTo: string | null;
  /** When the event its link holds happened (null for a link kept before links held their event): a deletion older than it does not undo it. */
  linkedSince: { event_time: number; ingested_at: number } | null;
  waiting: readonly WaitingEvent[];
}

/** A deletion of a source record the register holds (record_deletions): when it happened, which a record's events are compared by (current-observations.ts). */
export type StoredDeletion = Pick<PersonObservation, 'observation_id' | 'event_time' | 'ingested_at'>;

/** Everything the lock-and-load phase read, inside the chunk's transaction and under its locks. */
export interface LoadedState {
  /** Decisions not applied before (their ids were claimed by this transaction). */
  fresh: ReadonlySet<string>;
  /** Observations of later attempts already linked or made a citizen. */
  applied: ReadonlySet<string>;
  /** The review case of each record decided again, by observation. */
  cases: ReadonlyMap<string, LoadedCase>;
  /** Citizens the decisions name (locked), with their histories. */
  citizens: CitizenState[];
  /** A merged citizen's id (and personal ID) to its survivor's. */
  redirects: ReadonlyMap<string, string>;
  /** Records of the chunk sharing enough keys with a citizen a source registered, or whose identity changed, lately (since the decision, less the clocks' margin). */
  recentInReach: readonly RecentPair[];
  waitingInReach: readonly WaitingInReach[];
  /**
   * Of the attempts of the chunk's records kept unlinked or in review, how many were sends by a
   * settings change or a change of the register (absent or missing: none): those do not use the
   * store's own relink budget up (plan/record-keys.ts).
   */
  sentByChanges?: ReadonlyMap<string, number>;
  /**
   * Decisions on records a settings change sent back, by observation and attempt (relinkKey; absent: none in the chunk):
   * a promotion and a rollback soon after can send one record back twice, and both decisions reach one chunk.
   */
  relinks?: ReadonlyMap<string, SettingsRelink>;
  /** Facts not withdrawn of the citizens whose death the chunk may record. */
  factsOfDying: readonly StoredFact[];
  /** The source records the chunk's deletions are of, by recordKey (planned-rows.ts); absent or missing: linked to no one, nothing waiting. */
  deletedRecords?: ReadonlyMap<string, DeletedRecord>;
  /**
   * The deletions the register holds of the source records of the chunk's other decisions, by
   * recordKey (planned-rows.ts), read under the records' locks; absent or missing: none.
   */
  recordDeletions?: ReadonlyMap<string, readonly StoredDeletion[]>;
}

/** An attempt at an observation, as LoadedState.relinks holds it. */
export function relinkKey(observation: { observation_id: string; attempt: number }): string {
  return `${observation.observation_id}\u0000${observation.attempt}`;
}
