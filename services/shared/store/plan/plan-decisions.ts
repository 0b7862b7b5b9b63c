import { DancuError } from '../../errors.js';
import { deletionAfter, later, type EventTimes } from '../../linkage/current-observations.js';
import { RULES } from '../../quality/rules.js';
import type { Finding, LinkDecision, PersonObservation, PopulationUpdate, UpdateType } from '../../schemas/records.js';
import { applyObservation, keysOfCitizen, planCitizenRows, type Change, type CitizenState } from './citizen-state.js';
import { LINKED_RECORD_CONTRADICTED, SOURCE_RECORD_LINKED } from '../../register/observation-verdict.js';
import { decisiveMove, relinkOutcome } from '../../register/settings-relink.js';
import { relinkKey, type LoadedState, type PlanContext, type SettingsRelink, type StoredDeletion } from './loaded-state.js';
import { citizenOf, emptyCitizen, newCitizenId, ownPersonalId, REGISTRATION_CLOCK_MARGIN_MS } from './new-citizen.js';
import { observationUpdate, updateRow } from './observation-update.js';
import {
  createPlannedRows,
  recordKey,
  type FactRow,
  type PlannedRows,
  type RecordCaseClose,
  type ReviewCaseRow,
  type SourceRecord,
  type UnlinkedRow,
} from './planned-rows.js';
import { unseenInReach } from './recent-registrations.js';
import { MAX_RELINK_ATTEMPTS, recordKeysOf, sharesEnoughWith, withTypoVariants } from './record-keys.js';
import { changesIdentity, type ReexaminationTrigger, type RegisterChange } from './reexamination.js';
import type { Cause } from './row-set.js';
import { afterDeath, factOf } from './sector-facts.js';

/**
 * What the store did with one decision (for counters and tests); `requeued`: sent back to the
 * linker, which decides again; `deleted`: the deletion of a record linked to no one, kept, or an
 * event its record's deletion follows, set aside (no citizen changes, so no update).
 */
export type ApplyResult = 'duplicate' | 'review' | 'unlinked' | 'requeued' | 'deleted' | UpdateType;

/** What became of a decision, per observation (observation_outcomes.outcome). */
type Outcome = 'CREATED' | 'LINKED' | 'REVIEW' | 'UNLINKED' | 'DELETED';

/** How a review case the pipeline closes is resolved, in the words of the steward's decisions. */
const CASE_RESOLUTION = { LINKED: 'LINK', CREATED: 'NEW', DELETED: 'DELETED' } as const;

export interface DecisionPlan {
  results: ApplyResult[];
  rows: PlannedRows;
  /** The citizens whose identity the chunk changed: the records in their reach are re-examined once it is written (register-reexamination.ts). */
  registerChanges: RegisterChange[];
}

/** A record to send back to the linker, and the table that marks it sent. */
interface SendBack {
  observation: PersonObservation;
  attempt: number;
  table: 'unlinked_records' | 'review_cases';
  cause: Cause;
}

const sameRecord = (a: SourceRecord, b: SourceRecord) =>
  a.source === b.source && a.source_system === b.source_system && a.source_record_id === b.source_record_id;

/** The citizens of the chunk, by citizen id, personal ID or the id of a citizen merged into them. */
class Citizens {
  private readonly byId = new Map<string, CitizenState>();
  private readonly byPersonalId = new Map<string, string>();

  constructor(
    loaded: readonly CitizenState[],
    private readonly redirects: ReadonlyMap<string, string>,
  ) {
    for (const state of loaded) this.add(state);
  }

  add(state: CitizenState): void {
    this.byId.set(state.row.citizen_id, state);
    if (state.row.personal_id) this.byPersonalId.set(state.row.personal_id, state.row.citizen_id);
  }

  get(id: string): CitizenState | null {
    const target = this.redirects.get(id) ?? id;
    return this.byId.get(target) ?? this.byId.get(this.byPersonalId.get(target) ?? '') ?? null;
  }

  all(): CitizenState[] {
    return [...this.byId.values()];
  }
}

/**
 * The plan of a chunk of decisions: from the decisions and what the load phase read to the rows
 * every table gets, and what became of each decision. Decisions apply in their order, each to
 * the citizens as the earlier ones left them; a redelivered decision (or one twice in the chunk)
 * changes nothing. No I/O: the same inputs give the same rows.
 */
export function planDecisions(decisions: readonly LinkDecision[], loaded: LoadedState, context: PlanContext): DecisionPlan {
  return new Planner(loaded, context).plan(decisions);
}

/**
 * Whether a record's cases closed by `close` include one the chunk writes itself: the cases
 * decision-write.ts's recordCasesClosed closes among those stored.
 */
function closes(close: RecordCaseClose, row: ReviewCaseRow): boolean {
  const o = row.observation as PersonObservation;
  return (
    sameRecord(o, close) &&
    row.observation_id !== close.observation_id &&
    (close.resolution === 'DELETED' || row.reason === LINKED_RECORD_CONTRADICTED) &&
    o.event_time <= close.event_time
  );
}

/**
 * Whether a citizen was registered after a decision was made: by this chunk, or by a transaction
 * that began after it, give or take the clocks' margin (a transaction registers at its start and
 * is seen at its commit).
 */
function registeredSince(decision: LinkDecision, citizen: CitizenState): boolean {
  return citizen.created !== undefined || (citizen.registeredAt !== undefined && citizen.registeredAt > decision.decided_at - REGISTRATION_CLOCK_MARGIN_MS);
}

class Planner {
  private readonly rows = createPlannedRows();
  private readonly citizens: Citizens;
  private readonly created: CitizenState[] = [];
  private readonly died = new Set<string>();
  private readonly sendBacks: SendBack[] = [];
  private readonly identityChanged = new Map<string, ReexaminationTrigger>();
  /** The facts the chunk plans, by source record (a record's later fact withdraws its earlier ones). */
  private readonly factsByRecord = new Map<string, FactRow[]>();
  /** The source records the chunk deletes (recordKey), and the waiting events whose wait their deletion ended: none is sent back nor linked. */
  private readonly deleted = new Set<string>();
  private readonly waitEnded = new Set<string>();

  constructor(
    private readonly loaded: LoadedState,
    private readonly context: PlanContext,
  ) {
    this.citizens = new Citizens(loaded.citizens, loaded.redirects);
  }

  plan(decisions: readonly LinkDecision[]): DecisionPlan {
    const fresh = new Set(this.loaded.fresh);
    const applied = new Set(this.loaded.applied);
    const results: ApplyResult[] = [];
    for (const decision of decisions) {
      const o = decision.observation;
      const relink = o.attempt > 0 && decision.method !== 'STEWARD' ? this.loaded.relinks?.get(relinkKey(o)) : undefined;
      // A later event of a linked record waiting in its case (LINKED_RECORD_CONTRADICTED), sent back by a change: not the
      // link's own observation decided again, but still a later event of the record (laterEventSetAside).
      const waitingEvent = relink?.link && relink.waiting === true ? { ...relink, link: relink.link } : null;
      if (relink?.link && !waitingEvent && fresh.delete(decision.decision_id)) {
        // A linked record that new settings decided again: the promotion's rules, not a first link's, unless its
        // deletion at the source, earlier in the chunk or stored, follows the event: then no rule brings the link back.
        const deletedBy = this.deletedLater(o);
        const linked = { ...relink, link: relink.link };
        results.push(deletedBy ? this.relinkOfDeleted(decision, linked, deletedBy) : this.planRelink(decision, linked));
        continue;
      }
      // A steward decides an open case, even one about a record a settings change left linked while it asked them.
      // Only a steward's own decision: the linker's decisions on a must-link say method STEWARD too, and are looks like any other.
      // A waiting event sent back before a deletion of its record earlier in the chunk ended its wait is set aside too.
      const settled = applied.has(o.observation_id) || this.waitEnded.has(o.observation_id);
      if (!fresh.delete(decision.decision_id) || (o.attempt > 0 && decision.reason !== 'STEWARD_DECISION' && settled)) {
        results.push('duplicate');
        continue;
      }
      // The linker's later looks at records in review; a steward's own decision on the case (its record may be at a later attempt too) is what the case waits for.
      const caseStatus = o.attempt > 0 && decision.method !== 'STEWARD' ? this.loaded.cases.get(o.observation_id) : undefined;
      if (caseStatus === 'CLAIMED' || caseStatus === 'DECIDED' || caseStatus === 'CLOSED') {
        // A steward holds (or has decided) the record's case, or the pipeline settled it: this later look changes nothing.
        this.audit('RECHECK_SET_ASIDE', null, decision, {
          decision_id: decision.decision_id,
          decision: decision.decision,
          reason: `the review case is ${caseStatus.toLowerCase()}`,
        });
        results.push('duplicate');
        continue;
      }
      if (waitingEvent && this.laterEventSetAside(decision, waitingEvent)) {
        results.push('duplicate');
        continue;
      }
      const deletedBy = o.change_type === 'DELETE' ? null : this.deletedLater(o);
      if (deletedBy) {
        results.push(this.eventBeforeDeletion(decision, deletedBy));
        continue;
      }
      const result = this.planOne(decision, caseStatus === 'OPEN');
      if (result !== 'requeued' && result !== 'unlinked' && result !== 'review') applied.add(o.observation_id);
      results.push(result);
    }
    this.relinkWaiting();
    this.requeueKept(
      decisions.flatMap((decision, i) => (results[i] === 'unlinked' || results[i] === 'review' ? [{ decision, inReview: results[i] === 'review' }] : [])),
    );
    this.findFactsAfterDeath();
    planCitizenRows(this.citizens.all(), this.rows, this.context.settings, this.context.now);
    this.markSentBack();
    this.spareCasesWritten(decisions);
    return { results, rows: this.rows, registerChanges: this.registerChanges() };
  }

  /**
   * A later event of a linked record, waiting in its case, that a change of the register or of
   * the settings sent back: one that now follows the link is applied as any later event is (its
   * case closed, resolved LINK), and one doubted again refreshes its case; anything else leaves
   * the case as it stood (its reason says why the event waits) and the link with it. A decision
   * a later send-back of the event superseded is set aside whatever it says, as planRelink sets
   * one aside: the later look settles the event, whichever of the two comes first.
   */
  private laterEventSetAside(decision: LinkDecision, relink: SettingsRelink & { link: NonNullable<SettingsRelink['link']> }): boolean {
    const { link } = relink;
    if (relink.superseded) {
      this.audit('SETTINGS_RELINK_SUPERSEDED', link.citizenId, decision, {
        decision_id: decision.decision_id,
        decision: decision.decision,
        reason: 'a later change sent the record back again',
      });
      return true;
    }
    const follows = decision.decision === 'LINK' && decision.citizen_id === link.citizenId;
    const doubted = decision.decision === 'REVIEW' && decision.reason === LINKED_RECORD_CONTRADICTED;
    if (follows || doubted) return false;
    this.audit('RECHECK_SET_ASIDE', link.citizenId, decision, {
      decision_id: decision.decision_id,
      decision: decision.decision,
      reason: 'a later event of the linked record waits in its case',
    });
    return true;
  }

  /**
   * Closes the open LINKED_RECORD_CONTRADICTED case of an earlier event of a linked record: a later
   * event followed the link (LINK), or another event of it was doubted (SUPERSEDED: one case a
   * record, its latest event the one waiting). A later event, never an earlier one received late:
   * the waiting event is still the record's latest. A deletion (DELETED) closes every open case of
   * the record, whatever its reason and its event's time (recordDeleted). A case an earlier
   * decision of the chunk opens or refreshes is closed in its own row, as it would be a chunk later.
   */
  private closeRecordCases(o: PersonObservation, resolution: RecordCaseClose['resolution'], cause: Cause): void {
    const close: RecordCaseClose = {
      source: o.source,
      source_system: o.source_system,
      source_record_id: o.source_record_id,
      observation_id: o.observation_id,
      event_time: o.event_time,
      resolution,
      spared: [],
    };
    this.rows.recordCasesClosed.add(close, cause);
    for (const row of this.rows.reviewCases.values()) if (closes(close, row)) row.resolution = resolution;
  }

  /**
   * A source record deleted at its source, however the linker decided the deletion: every open case
   * of it is closed, and the deletion kept, since it takes away the link that would otherwise say
   * so. Linked to no one any more, the record is not brought back by a steward's decision on a case
   * of it they held meanwhile: all but a rejection is refused them (steward-apply.ts). Nor by one of
   * its events waiting unlinked that the deletion follows (an event of the record made again at its
   * source after it waits on): their wait ends, so none is sent back to be linked later.
   */
  private recordDeleted(o: PersonObservation, cause: Cause): void {
    const { observation_id, source, source_system, source_record_id, event_time, ingested_at } = o;
    this.rows.recordDeletions.add({ observation_id, source, source_system, source_record_id, event_time, ingested_at }, cause);
    this.closeRecordCases(o, 'DELETED', cause);
    this.deleted.add(recordKey(o));
    for (const waiting of this.loaded.deletedRecords?.get(recordKey(o))?.waiting ?? []) {
      // One the chunk resolved already stays as it resolved; one it keeps waiting again is written resolved below.
      if (!later(o, waiting) || this.rows.resolutions.get(waiting.observation_id) || this.rows.unlinked.get(waiting.observation_id)) continue;
      this.resolveUnlinked(waiting.observation_id, 'DELETED', null, cause);
      this.waitEnded.add(waiting.observation_id);
    }
    for (const row of this.rows.unlinked.values()) {
      if (!sameRecord(row, o) || row.resolution || !later(o, row.observation as PersonObservation)) continue;
      this.writeResolved(row, 'DELETED', null, cause);
      this.waitEnded.add(row.observation_id);
    }
  }

  /**
   * A deletion of the event's record after the event, that the register holds or an earlier
   * decision of the chunk records (null: none). Two events of one record can be decided on two
   * partitions (the linker keys a decision by the citizen it links to, else the record's personal
   * ID or the record), and reach the store in either order: the record's deletion, decided before
   * its earlier event's link was applied, can be applied first. Later as current-observations.ts
   * orders a record's events; an event after the deletion (the record made again at its source) is
   * applied as any.
   */
  private deletedLater(o: PersonObservation): StoredDeletion | null {
    const stored = this.loaded.recordDeletions?.get(recordKey(o)) ?? [];
    const planned = this.rows.recordDeletions.values().filter((deletion) => sameRecord(deletion, o));
    return deletionAfter(o, [...stored, ...planned]);
  }

  /**
   * A decision on an event its record's deletion at the source follows: the record is deleted, so
   * the event changes nothing of the register, whatever the linker decided. No link, no citizen,
   * no case, nothing waiting, no fact and no update; the outcome is the record's (DELETED), and
   * the audit log says which deletion. One sent back to the linker (attempt > 0) waits no longer.
   */
  private eventBeforeDeletion(decision: LinkDecision, deletion: StoredDeletion): ApplyResult {
    const o = decision.observation;
    if (o.attempt > 0) {
      this.resolveUnlinked(o.observation_id, 'DELETED', null, { decision_id: decision.decision_id, rule: 'deleted-later-at-source' });
      this.waitEnded.add(o.observation_id);
    }
    this.addOutcome(decision, 'DELETED', null);
    this.audit('EVENT_BEFORE_DELETION_SET_ASIDE', null, decision, {
      decision_id: decision.decision_id,
      decided: decision.decision,
      deletion: deletion.observation_id,
      reason: 'the record was deleted later at its source',
    });
    return 'deleted';
  }

  /**
   * The citizen a source record is linked to as the chunk has left it so far (by an earlier decision
   * of the chunk, none once one deleted it, else as stored), with when the event its link holds
   * happened (null when the stored link does not say).
   */
  private linkOf(o: PersonObservation): { citizenId: string; since: EventTimes | null } | null {
    const planned = this.rows.links.get(recordKey(o));
    if (planned) return { citizenId: planned.citizen_id, since: planned.observation };
    if (this.rows.linkDeletes.get(recordKey(o))) return null;
    const stored = this.loaded.deletedRecords?.get(recordKey(o));
    return stored?.linkedTo ? { citizenId: stored.linkedTo, since: stored.linkedSince } : null;
  }

  /**
   * A source record's deletion. The linker decides the deletion of a record it finds no link of as
   * any event (scored, its decision keyed as the record's earlier ones were, so it reaches the
   * store after them), and a decision of an earlier event may be on its way still: so the store,
   * which holds the links, says what a deletion does, whatever the linker decided. A record linked
   * now (stored, or by an earlier decision of the chunk) comes off the citizen it is linked to. One
   * linked to no one is only kept deleted (outcome DELETED, no citizen): no citizen is made of it,
   * no case opened, nothing kept waiting, no update published, and its source is told nothing.
   * Either way its cases are closed and its earlier events' wait ends (recordDeleted).
   */
  private deletion(decision: LinkDecision): ApplyResult {
    const o = decision.observation;
    const cause = (rule: string): Cause => ({ decision_id: decision.decision_id, rule });
    this.recordDeleted(o, cause('record-deleted'));
    const link = this.linkOf(o);
    // A link made by an event after the deletion (the record made again at its source, its events on
    // another partition than the deletion's) is the record's as it is now: the deletion is only kept.
    if (link !== null && (link.since === null || later(o, link.since))) return this.link(decision, this.citizenNamed(link.citizenId));
    if (o.attempt > 0) this.resolveUnlinked(o.observation_id, 'DELETED', null, cause('resolve-waiting'));
    this.addOutcome(decision, 'DELETED', null);
    this.audit('RECORD_DELETED_UNLINKED', null, decision, {
      decision_id: decision.decision_id,
      source: o.source,
      decided: decision.decision,
      ...(link ? { linked_later: link.citizenId } : {}),
    });
    return 'deleted';
  }

  /** A citizen a decision names (or its record is linked to), as the chunk holds them: a merged one's survivor. */
  private citizenNamed(citizenId: string | null): CitizenState {
    const state = citizenId === null ? null : this.citizens.get(citizenId);
    if (!state)
      throw new DancuError('CITIZEN_NOT_FOUND', 'the decision names a citizen that is not in the register', {
        retriable: false,
        context: { recordId: citizenId ?? undefined },
      });
    return state;
  }

  /**
   * The cases of a record the chunk writes itself are not closed by another part of its statement
   * (decision-write.ts): a row is never updated by two parts. A case of an observation the chunk
   * does not know the record of is spared too.
   */
  private spareCasesWritten(decisions: readonly LinkDecision[]): void {
    if (this.rows.recordCasesClosed.size === 0) return;
    const records = new Map(
      [...decisions.map((d) => d.observation), ...this.loaded.waitingInReach.map((w) => w.observation)].map((o) => [o.observation_id, recordKey(o)]),
    );
    const written = [this.rows.reviewCases, this.rows.reviewsClosed, this.rows.reviewsSentBack].flatMap((set) => set.values().map((row) => row.observation_id));
    for (const close of this.rows.recordCasesClosed.values()) {
      const record = recordKey(close);
      close.spared = written.filter((id) => (records.get(id) ?? record) === record);
    }
  }

  /**
   * A citizen the decision registered or whose identity it changed. Not when the decision is on a
   * record a settings change or a re-examination sent back: a re-examination never starts
   * another, so one change of the register sends records back once and the chain ends there.
   */
  private identityChange(decision: LinkDecision, citizenId: string, trigger: ReexaminationTrigger): void {
    if (this.loaded.relinks?.has(relinkKey(decision.observation))) return;
    if (this.identityChanged.get(citizenId) !== 'CREATED') this.identityChanged.set(citizenId, trigger);
  }

  private registerChanges(): RegisterChange[] {
    return [...this.identityChanged].flatMap(([citizenId, trigger]) => {
      const state = this.citizens.get(citizenId);
      return state ? [{ citizenId: state.row.citizen_id, trigger, row: state.row }] : [];
    });
  }

  /** `inReview`: the record has an open review case from an earlier attempt, which this decision settles or refreshes. */
  private planOne(decision: LinkDecision, inReview: boolean): ApplyResult {
    const o = decision.observation;
    const cause = (rule: string): Cause => ({ decision_id: decision.decision_id, rule });
    if (o.change_type === 'DELETE') return this.deletion(decision);
    if (decision.decision === 'REVIEW') {
      if (o.attempt > 0) this.resolveUnlinked(o.observation_id, 'REVIEW', null, cause('resolve-waiting'));
      this.rows.reviewCases.add(
        {
          observation_id: o.observation_id,
          decision_id: decision.decision_id,
          reason: decision.reason,
          source: o.source,
          observation: o,
          candidates: decision.candidates,
          explanation: decision.explanation,
          settings_version: decision.settings_version || null,
          rechecks: 0,
        },
        cause('review'),
      );
      for (const k of recordKeysOf(this.context.settings, o)) this.rows.reviewKeys.add({ ...k, observation_id: o.observation_id }, cause('review-keys'));
      this.addFindings(o, o.findings, null, 'ingest', cause('ingest-finding'));
      this.addOutcome(decision, 'REVIEW', null);
      if (decision.reason === LINKED_RECORD_CONTRADICTED) this.closeRecordCases(o, 'SUPERSEDED', cause('superseded-case'));
      this.audit(inReview ? 'REVIEW_CASE_REFRESHED' : 'REVIEW_CASE_OPENED', null, decision, { decision_id: decision.decision_id, reason: decision.reason });
      return 'review';
    }
    if (decision.decision === 'UNLINKED') {
      // A record an earlier attempt of the chunk resolved waits no more: its stored row stays as that attempt leaves it, as
      // when the decisions are applied one by one (the stored upsert never touches a resolved row), and it is written once.
      if (!this.resolvedInChunk(o.observation_id)) this.keepWaiting(decision);
      this.addFindings(o, o.findings, null, 'ingest', cause('ingest-finding'));
      this.addOutcome(decision, 'UNLINKED', null);
      this.audit('RECORD_KEPT_UNLINKED', null, decision, { decision_id: decision.decision_id, source: o.source, reason: decision.reason });
      return 'unlinked';
    }
    let state: CitizenState | null = null;
    if (decision.decision === 'NEW') {
      // A steward's "new citizen" stands even if a citizen in reach appeared since: they saw the candidates.
      if (!ownPersonalId(o) && o.attempt === 0 && decision.method !== 'STEWARD' && this.unseenCitizenInReach(decision)) {
        this.audit('DECISION_REQUEUED', null, decision, {
          decision_id: decision.decision_id,
          reason: 'a citizen sharing its keys was created after the linker decided',
        });
        this.sendBacks.push({ observation: o, attempt: o.attempt, table: 'unlinked_records', cause: cause('citizen-in-reach') });
        return 'requeued';
      }
      state = this.citizens.get(newCitizenId(o));
      if (!state) return this.create(decision);
      // The record's ID is held already. The record follows it only when the decision did not see
      // its holder because the holder was registered after it (two records of one new person at
      // once, or a retry after another instance registered it). Absence from the candidates alone
      // is not enough: a steward's cannot-link takes the holder out of them. A linker that saw the
      // holder and still said new, or a steward (whose case offers NEW only for an ID no one
      // holds), did not say it is them.
      const seen = this.sawHolder(decision, state);
      if (decision.method === 'STEWARD' || seen || !registeredSince(decision, state)) return this.planOne(this.heldIdReview(decision, state, seen), inReview);
    } else if (decision.citizen_id) {
      state = this.citizens.get(decision.citizen_id);
    }
    return this.link(decision, state ?? this.citizenNamed(decision.citizen_id));
  }

  /** Whether the holder of the record's ID (or a citizen merged into them since) was among the decision's candidates. */
  private sawHolder(decision: LinkDecision, holder: CitizenState): boolean {
    return decision.candidates.some((c) => c.citizen_id === holder.row.citizen_id || this.citizens.get(c.citizen_id) === holder);
  }

  /**
   * A NEW decision on a record whose ID a citizen holds, made review: a new citizen cannot carry
   * the ID, and a link to its holder is a steward's to make. The case names the holder.
   */
  private heldIdReview(decision: LinkDecision, holder: CitizenState, seen: boolean): LinkDecision {
    const holderId = holder.row.citizen_id;
    const candidates = seen ? decision.candidates : [...decision.candidates.slice(0, 4), { citizen_id: holderId, score: 0 }];
    const summary =
      decision.method === 'STEWARD'
        ? 'A steward decided this record is a person not in the register, but its personal ID belongs to a registered citizen now: a new citizen cannot carry it.'
        : seen
          ? 'The linker decided this record is a new person although the registered citizen holding its personal ID was among its candidates: a new citizen cannot carry the ID, and only a steward links the record to its holder.'
          : 'The linker decided this record is a new person, and its personal ID belongs to a citizen registered before the decision but not among its candidates (a steward may have ruled them out): a new citizen cannot carry the ID, and only a steward links the record to its holder.';
    this.audit('NEW_CITIZEN_ID_HELD', holderId, decision, { decision_id: decision.decision_id, decided: decision.reason, reason: summary });
    return {
      ...decision,
      decision: 'REVIEW',
      citizen_id: null,
      reason: 'PID_CONTRADICTED',
      candidates,
      explanation: { ...(decision.explanation ?? { prior: 0, comparisons: [], total: 0, runner_up_score: null }), summary },
    };
  }

  /**
   * A linked record sent back by a change whose deletion at the source follows the event sent
   * back: the deletion took the record off its citizen (or will, applied later in the chunk's
   * order), so the decision changes nothing: no link, no case, and the log says which deletion.
   */
  private relinkOfDeleted(
    decision: LinkDecision,
    relink: SettingsRelink & { link: NonNullable<SettingsRelink['link']> },
    deletion: StoredDeletion,
  ): ApplyResult {
    const origin = relink.byRegisterChange === true ? 'REEXAMINED_LINK' : 'SETTINGS_RELINK';
    this.auditEach(`${origin}_SET_ASIDE`, relinkCitizens(decision, relink.link.citizenId), decision, {
      decision_id: decision.decision_id,
      decided: decision.decision,
      deletion: deletion.observation_id,
      reason: 'the record was deleted later at its source',
    });
    return 'duplicate';
  }

  /**
   * A linked record decided again by new settings (settings-relink.ts says what becomes of it):
   * a steward's link stands; the same citizen keeps the link, which now names the new version
   * and evidence; anything else keeps the link and opens a review case naming the citizen linked
   * now among the candidates (a move, however decisive the new evidence, is a steward's).
   */
  private planRelink(decision: LinkDecision, relink: SettingsRelink & { link: NonNullable<SettingsRelink['link']> }): ApplyResult {
    const { link, thresholds } = relink;
    const byRegisterChange = relink.byRegisterChange === true;
    const o = decision.observation;
    const standing = { citizenId: link.citizenId, method: link.method, createdByRecord: newCitizenId(o) === link.citizenId };
    const outcome = relinkOutcome(standing, decision);
    // The audit names what sent the record back: a settings change, or a change of the register.
    const origin = byRegisterChange ? 'REEXAMINED_LINK' : 'SETTINGS_RELINK';
    const details = {
      decision_id: decision.decision_id,
      settings_version: decision.settings_version,
      linked_to: link.citizenId,
      decided: decision.decision,
      citizen_id: decision.citizen_id,
      decisive: !standing.createdByRecord && decisiveMove(standing, decision, thresholds),
    };
    const moving = relinkCitizens(decision, link.citizenId);
    if (relink.superseded) {
      // A later change sent the record back again: its decision settles the record, whichever of the two comes first.
      this.auditEach('SETTINGS_RELINK_SUPERSEDED', moving, decision, { ...details, reason: 'a later change sent the record back again' });
      return 'duplicate';
    }
    if (outcome === 'STEWARD_KEEPS') {
      this.auditEach(`${origin}_SET_ASIDE`, moving, decision, { ...details, reason: 'a steward linked this record' });
      return 'duplicate';
    }
    if (outcome === 'KEEP') {
      this.addLink(decision, link.citizenId);
      // A case an earlier change opened about this link (a rollback after a promotion) is answered: the link stands.
      if (this.loaded.cases.get(o.observation_id) === 'OPEN')
        this.rows.reviewsClosed.add(
          { observation_id: o.observation_id, resolution: 'LINK' },
          { decision_id: decision.decision_id, rule: 'settings-relink-kept' },
        );
      this.auditEach(`${origin}_KEPT`, moving, decision, details);
      return 'duplicate';
    }
    const caseStatus = this.loaded.cases.get(o.observation_id);
    if (caseStatus === 'CLAIMED' || caseStatus === 'DECIDED') {
      // The record's case is a steward's: it is not reopened behind their back; the link stays and the log says why.
      // A case the pipeline closed (`CLOSED`) is no one's decision: it opens again below.
      this.auditEach(`${origin}_SET_ASIDE`, moving, decision, { ...details, reason: `the review case is ${caseStatus.toLowerCase()}` });
      return 'duplicate';
    }
    const candidates = decision.candidates.some((c) => c.citizen_id === link.citizenId)
      ? decision.candidates
      : [...decision.candidates.slice(0, 4), { citizen_id: link.citizenId, score: link.score }];
    const reason = `${byRegisterChange ? 'REGISTER' : 'SETTINGS'}_LINK_${outcome === 'REVIEW_MOVED' ? 'MOVED' : 'DOUBTED'}`;
    const cause = (rule: string): Cause => ({ decision_id: decision.decision_id, rule });
    this.rows.reviewCases.add(
      {
        observation_id: o.observation_id,
        decision_id: decision.decision_id,
        reason,
        source: o.source,
        observation: o,
        candidates,
        // A record no candidate reached under the new settings has no weights to explain: the case says so in words.
        explanation: decision.explanation ?? {
          prior: 0,
          comparisons: [],
          total: 0,
          runner_up_score: null,
          summary: `${byRegisterChange ? 'Decided again after a change of the register, this record would not be linked' : 'The new settings would not link this record'} (${decision.decision}, ${decision.reason}); it stays linked until a steward decides.`,
        },
        settings_version: decision.settings_version || null,
        rechecks: o.attempt,
      },
      cause('settings-relink-review'),
    );
    for (const k of recordKeysOf(this.context.settings, o)) this.rows.reviewKeys.add({ ...k, observation_id: o.observation_id }, cause('review-keys'));
    this.auditEach(
      caseStatus === 'OPEN' ? 'REVIEW_CASE_REFRESHED' : caseStatus === 'CLOSED' ? 'REVIEW_CASE_REOPENED' : 'REVIEW_CASE_OPENED',
      moving,
      decision,
      {
        ...details,
        reason,
      },
    );
    return 'review';
  }

  /** A citizen registered by the decision: every value of the creating record is a claim, chosen as the only one. */
  private create(decision: LinkDecision): ApplyResult {
    const o = decision.observation;
    const cause: Cause = { decision_id: decision.decision_id, rule: 'new-citizen' };
    const row = citizenOf(o);
    if (o.attempt > 0) this.resolveUnlinked(o.observation_id, 'CREATED', row.citizen_id, cause);
    const state: CitizenState = { row: emptyCitizen(row), history: [], changed: false, created: { origin: `source:${o.source}` } };
    this.citizens.add(state);
    this.created.push(state);
    const { changes } = applyObservation(state, o, this.context.survivorship, cause);
    this.addLink(decision, row.citizen_id);
    this.addFindings(o, o.findings, row.citizen_id, 'ingest', cause);
    if (state.row.date_of_death) this.died.add(row.citizen_id);
    this.identityChange(decision, row.citizen_id, 'CREATED');
    this.finish(
      decision,
      row.citizen_id,
      'CITIZEN_CREATED',
      'CREATED',
      changes.map((c) => ({ field: c.field, old_value: null, new_value: c.newValue })),
      null,
      0,
    );
    return 'CITIZEN_CREATED';
  }

  private link(decision: LinkDecision, state: CitizenState): ApplyResult {
    const o = decision.observation;
    const citizenId = state.row.citizen_id;
    const cause = (rule: string): Cause => ({ decision_id: decision.decision_id, rule });
    if (o.attempt > 0) this.resolveUnlinked(o.observation_id, o.change_type === 'DELETE' ? 'DELETED' : 'LINKED', citizenId, cause('resolve-waiting'));
    if (o.change_type === 'DELETE') {
      this.rows.links.delete(this.linkRow(decision, citizenId));
      this.rows.linkDeletes.add({ source: o.source, source_system: o.source_system, source_record_id: o.source_record_id }, cause('record-deleted'));
      this.rows.recordFactWithdrawals.add({ source: o.source, source_system: o.source_system, source_record_id: o.source_record_id }, cause('record-deleted'));
      for (const fact of this.rows.facts.values()) if (sameRecord(fact, o)) fact.withdrawn = true;
      this.finish(decision, citizenId, 'RECORD_UNLINKED', 'DELETED', [], null, 0);
      return 'RECORD_UNLINKED';
    }
    const { changes, findings } = applyObservation(state, o, this.context.survivorship, cause('survivorship'));
    const fact = this.recordFact(state, o, cause('sector-fact'));
    this.addLink(decision, citizenId);
    // The linker's word for a later event that follows the record's link (observation-verdict.ts).
    if (decision.reason === SOURCE_RECORD_LINKED) this.closeRecordCases(o, 'LINK', cause('followed-link'));
    this.addFindings(o, [...o.findings, ...findings], citizenId, 'ingest', cause('ingest-finding'));
    const died = changes.some((change) => change.field === 'date_of_death');
    if (died) this.died.add(citizenId);
    if (changesIdentity(changes)) this.identityChange(decision, citizenId, 'CORRECTED');
    const updateType: UpdateType = died ? 'DEATH_RECORDED' : changes.length > 0 ? 'CITIZEN_UPDATED' : fact ? 'FACT_RECORDED' : 'RECORD_LINKED';
    const filled = changes.filter((change) => change.oldValue === null || change.rule === 'refined-by-compatible').length;
    this.finish(
      decision,
      citizenId,
      updateType,
      'LINKED',
      changes.map((c) => ({ field: c.field, old_value: c.oldValue, new_value: c.newValue })),
      fact,
      filled,
    );
    return updateType;
  }

  /**
   * Whether a citizen the decision could not see as they are may be the record's person: one
   * registered lately (before the chunk, or earlier in it) that shares enough keys with it and was
   * not among its candidates, or one changed after the decision into its reach (among them, it
   * was seen as it was before). Two records of one new person without a personal ID (or with a
   * placeholder) can reach the store at once, each decided NEW before the other's citizen
   * existed: the second goes back to the linker; so does a record kept waiting or in review.
   */
  private unseenCitizenInReach(decision: LinkDecision): boolean {
    const o = decision.observation;
    const seen = new Set(decision.candidates.map((c) => c.citizen_id));
    if (unseenInReach(this.loaded.recentInReach, o.observation_id, seen)) return true;
    // The record's keys with its ID's typo variants (worked out once, not per citizen): a record without an ID can be someone's; one that
    // begins with no province code may be a holder's mistyped in its first digits.
    const sharesEnough = sharesEnoughWith(this.context.settings, withTypoVariants(this.context.settings, recordKeysOf(this.context.settings, o), 'record'));
    return this.created.some((citizen) => !seen.has(citizen.row.citizen_id) && sharesEnough(keysOfCitizen(this.context.settings, citizen.row)));
  }

  /** Records already waiting (or in an open review case) that a citizen this chunk registered may be the person of go back to the linker. */
  private relinkWaiting(): void {
    const created = new Set(this.created.map((state) => state.row.citizen_id));
    for (const waiting of this.loaded.waitingInReach) {
      if (!created.has(waiting.citizen_id)) continue;
      this.sendBacks.push({
        observation: waiting.observation,
        attempt: waiting.attempt,
        table: waiting.table,
        cause: { decision_id: null, rule: 'relink-for-new-citizen' },
      });
    }
  }

  /** Records the chunk kept unlinked or sent to review that a citizen registered meanwhile (its own births included) may be the person of go straight back. */
  private requeueKept(kept: readonly { decision: LinkDecision; inReview: boolean }[]): void {
    // In review by what the plan made of the decision, not by what the linker decided: a NEW whose ID a registered
    // citizen holds, or a settings change's look at a link, waits in a case too.
    for (const { decision, inReview } of kept) {
      const o = decision.observation;
      // A later attempt of the chunk decided it (resolveUnlinked): it waits no more.
      if (inReview ? this.rows.reviewCases.get(o.observation_id)?.resolution : this.resolvedInChunk(o.observation_id)) continue;
      // The store's own budget: sends by a settings change or a change of the register are accounted apart.
      if (o.attempt - (this.loaded.sentByChanges?.get(o.observation_id) ?? 0) >= MAX_RELINK_ATTEMPTS) continue;
      // A citizen among the decision's candidates was in sight when it was made, and deciding again would decide the same, unless they changed since.
      if (this.unseenCitizenInReach(decision))
        this.sendBacks.push({
          observation: o,
          attempt: o.attempt,
          table: inReview ? 'review_cases' : 'unlinked_records',
          cause: { decision_id: decision.decision_id, rule: 'kept-in-reach' },
        });
    }
  }

  /** The facts of citizens whose death the chunk recorded that are dated after it (the death was registered late) become findings. */
  private findFactsAfterDeath(): void {
    for (const citizenId of this.died) {
      const state = this.citizens.get(citizenId);
      if (!state) continue;
      const stored = this.loaded.factsOfDying.filter((fact) => fact.citizen_id === citizenId && !this.withdrawnByChunk(fact));
      const planned = this.rows.facts.values().filter((fact) => fact.citizen_id === citizenId && !fact.withdrawn);
      for (const fact of [...stored, ...planned]) {
        if (afterDeath(fact.kind, fact.fact_date, state.row))
          this.addFindings(fact, [factAfterDeath()], citizenId, 'store', { decision_id: state.cause?.decision_id ?? null, rule: 'fact-after-death' });
      }
    }
  }

  private withdrawnByChunk(fact: SourceRecord & { kind: string; event_time: number }): boolean {
    return (
      this.rows.recordFactWithdrawals.values().some((record) => sameRecord(record, fact)) ||
      this.rows.factWithdrawals.values().some((w) => sameRecord(w, fact) && w.kind === fact.kind && fact.event_time <= w.event_time)
    );
  }

  /**
   * Whether a record to send back is settled by the chunk: its wait ended (its record deleted, or
   * a decision of the chunk linked it or sent it to review), or its case closed (one written by
   * the chunk, or a stored open case, which a deletion of its record closes unless the chunk
   * writes the row itself): so it is not sent back.
   */
  private settledInChunk({ observation, table }: SendBack): boolean {
    if (table === 'unlinked_records') return this.waitEnded.has(observation.observation_id) || this.resolvedInChunk(observation.observation_id);
    const written = this.rows.reviewCases.get(observation.observation_id);
    return written ? written.resolution !== undefined : this.deleted.has(recordKey(observation));
  }

  /** Each record sent back: its next attempt on the observations topic, and the attempt marked on its stored row (or on the row the chunk writes). */
  private markSentBack(): void {
    for (const sendBack of this.sendBacks) {
      if (this.settledInChunk(sendBack)) continue;
      const { observation, attempt, table, cause } = sendBack;
      const next: PersonObservation = { ...observation, attempt: attempt + 1 };
      this.rows.outbox.add(
        {
          event_id: `${observation.observation_id}:relink:${next.attempt}`,
          topic: this.context.topics.observations,
          message_key: `${observation.source_system}:${observation.source_record_id}`,
          record_type: 'personObservation',
          payload: next,
        },
        cause,
      );
      // Two updates of one row in one statement would leave only one of them: a row the chunk writes or resolves carries the attempt itself.
      const id = observation.observation_id;
      if (table === 'unlinked_records') {
        const kept = this.rows.unlinked.get(id);
        if (kept) kept.attempt = Math.max(kept.attempt, next.attempt);
        else if (!this.rows.resolutions.get(id)) this.rows.unlinkedSentBack.add({ observation_id: id, attempt: next.attempt }, cause);
      } else {
        const open = this.rows.reviewCases.get(id);
        if (open) open.rechecks = Math.max(open.rechecks, next.attempt);
        else if (!this.rows.reviewsClosed.get(id)) this.rows.reviewsSentBack.add({ observation_id: id, attempt: next.attempt }, cause);
      }
    }
  }

  private recordFact(state: CitizenState, o: PersonObservation, cause: Cause): PopulationUpdate['fact'] {
    const fact = factOf(o);
    if (!fact) return null;
    // A record holds one current fact of a kind: an update replaces it, and so does a create of a
    // record that has one (a snapshot reading the record again after it changed, a re-sent event).
    this.rows.factWithdrawals.add(
      { source: o.source, source_system: o.source_system, source_record_id: o.source_record_id, kind: fact.kind, event_time: o.event_time },
      cause,
    );
    // A fact of the same record earlier in this chunk is not in the table yet: withdraw it here.
    const ofRecord = this.factsByRecord.get(recordKey(o)) ?? [];
    for (const earlier of ofRecord) {
      if (earlier.kind === fact.kind && earlier.event_time <= o.event_time) earlier.withdrawn = true;
    }
    this.rows.facts.add(
      {
        citizen_id: state.row.citizen_id,
        kind: fact.kind,
        fact_date: fact.date,
        details: fact.details,
        source: o.source,
        source_system: o.source_system,
        source_record_id: o.source_record_id,
        observation_id: o.observation_id,
        event_time: o.event_time,
        withdrawn: false,
      },
      cause,
    );
    const planned = this.rows.facts.get(o.observation_id);
    if (planned) this.factsByRecord.set(recordKey(o), [...ofRecord, planned]);
    if (afterDeath(fact.kind, fact.date, state.row))
      this.addFindings(o, [factAfterDeath()], state.row.citizen_id, 'store', { ...cause, rule: 'fact-after-death' });
    return fact;
  }

  /** The record waits for its person: its row and its keys, by which a citizen registered later finds it. */
  private keepWaiting(decision: LinkDecision): void {
    const o = decision.observation;
    const cause = (rule: string): Cause => ({ decision_id: decision.decision_id, rule });
    this.rows.unlinked.add(
      {
        observation_id: o.observation_id,
        source: o.source,
        source_system: o.source_system,
        source_record_id: o.source_record_id,
        event_type: o.event_type,
        observation: o,
        decision_id: decision.decision_id,
        reason: decision.reason,
        attempt: o.attempt,
      },
      cause('keep-unlinked'),
    );
    for (const k of recordKeysOf(this.context.settings, o)) this.rows.unlinkedKeys.add({ ...k, observation_id: o.observation_id }, cause('unlinked-keys'));
  }

  /** Whether a decision of the chunk ended the record's wait (resolveUnlinked): by a stored row's update, or the row the chunk writes. */
  private resolvedInChunk(observationId: string): boolean {
    return this.rows.resolutions.get(observationId) !== undefined || this.rows.unlinked.get(observationId)?.resolution !== undefined;
  }

  /**
   * A record decided at a later attempt (a waiting record, or one in review looked at again): no
   * longer waiting; linked, made a citizen or deleted, the open review case an earlier attempt
   * opened is closed, resolved as the steward's buttons name it.
   */
  private resolveUnlinked(observationId: string, resolution: 'LINKED' | 'CREATED' | 'REVIEW' | 'DELETED', citizenId: string | null, cause: Cause): void {
    const resolved = resolution === 'CREATED' ? 'LINKED' : resolution;
    const kept = this.rows.unlinked.get(observationId);
    if (kept) this.writeResolved(kept, resolved, citizenId, cause);
    else {
      this.rows.resolutions.add({ observation_id: observationId, resolution: resolved, citizen_id: citizenId }, cause);
      this.rows.resolvedKeys.add({ observation_id: observationId }, cause);
    }
    if (resolution === 'REVIEW') return;
    // A case an earlier attempt of the chunk opens is written closed, for the same reason.
    const opened = this.rows.reviewCases.get(observationId);
    if (opened) opened.resolution = CASE_RESOLUTION[resolution];
    else this.rows.reviewsClosed.add({ observation_id: observationId, resolution: CASE_RESOLUTION[resolution] }, cause);
  }

  /**
   * A record an earlier decision of the chunk keeps waiting, written resolved instead: its keys not
   * written, those stored deleted. An update of the row the chunk writes would touch it twice in
   * one statement, which PostgreSQL refuses for an upsert (the whole chunk then went through one
   * decision at a time) and skips for an update (resolutions would not see the row).
   */
  private writeResolved(row: UnlinkedRow, resolution: NonNullable<UnlinkedRow['resolution']>, citizenId: string | null, cause: Cause): void {
    row.resolution = resolution;
    row.resolved_citizen_id = citizenId;
    for (const key of this.rows.unlinkedKeys.values()) if (key.observation_id === row.observation_id) this.rows.unlinkedKeys.delete(key);
    this.rows.resolvedKeys.add({ observation_id: row.observation_id }, cause);
  }

  private linkRow(decision: LinkDecision, citizenId: string) {
    const o = decision.observation;
    return {
      source: o.source,
      source_system: o.source_system,
      source_record_id: o.source_record_id,
      citizen_id: citizenId,
      decision_id: decision.decision_id,
      method: decision.method,
      score: decision.score,
      settings_version: decision.settings_version || null,
      reason: decision.reason,
      evidence: decision.evidence,
      observation: o,
    };
  }

  /** A record linked after a deletion of it in the same chunk: the link's upsert replaces the old row, so the deletion goes. */
  private addLink(decision: LinkDecision, citizenId: string): void {
    const row = this.linkRow(decision, citizenId);
    this.rows.linkDeletes.delete(row);
    this.rows.links.add(row, { decision_id: decision.decision_id, rule: decision.method.toLowerCase() });
  }

  private addFindings(
    observation: { observation_id: string; source: string },
    findings: readonly Finding[],
    citizenId: string | null,
    stage: 'ingest' | 'store',
    cause: Cause,
  ): void {
    for (const f of findings)
      this.rows.findings.add(
        {
          observation_id: observation.observation_id,
          source: observation.source,
          code: f.code,
          field: f.field,
          message: f.message,
          citizen_id: citizenId,
          stage,
        },
        { ...cause, rule: f.code },
      );
  }

  private addOutcome(decision: LinkDecision, outcome: Outcome, citizenId: string | null, fieldsFilled = 0): void {
    const o = decision.observation;
    const latencyMs = o.source_timestamp > 0 ? Math.max(0, this.context.now.getTime() - o.source_timestamp) : null;
    this.rows.outcomes.add(
      {
        decision_id: decision.decision_id,
        observation_id: o.observation_id,
        source: o.source,
        event_type: o.event_type,
        outcome,
        citizen_id: citizenId,
        fields_filled: fieldsFilled,
        latency_ms: latencyMs,
      },
      { decision_id: decision.decision_id, rule: outcome.toLowerCase() },
    );
  }

  /** One audit row per citizen concerned, so each citizen's trail lists it. */
  private auditEach(action: string, citizenIds: readonly string[], decision: LinkDecision, details: object): void {
    for (const citizenId of citizenIds) this.audit(action, citizenId, decision, details);
  }

  private audit(action: string, citizenId: string | null, decision: LinkDecision, details: object): void {
    this.rows.audit.add({ actor: 'pipeline:store', action, citizen_id: citizenId, details }, { decision_id: decision.decision_id, rule: action });
  }

  private finish(
    decision: LinkDecision,
    citizenId: string,
    updateType: UpdateType,
    outcome: 'CREATED' | 'LINKED' | 'DELETED',
    changes: Change[],
    fact: PopulationUpdate['fact'],
    filled: number,
  ): void {
    this.addOutcome(decision, outcome, citizenId, filled);
    this.audit(updateType, citizenId, decision, { decision_id: decision.decision_id, reason: decision.reason, fields: changes.map((c) => c.field) });
    const update = observationUpdate(decision.decision_id, citizenId, updateType, decision.observation, changes, fact, this.context.now);
    this.rows.outbox.add(updateRow(update, this.context.topics.populationUpdates), { decision_id: decision.decision_id, rule: updateType });
  }
}

/** The citizens a relink's audit names: the one linked now, and the one the decision names when another. */
function relinkCitizens(decision: LinkDecision, linkedTo: string): string[] {
  return [linkedTo, ...(decision.citizen_id && decision.citizen_id !== linkedTo ? [decision.citizen_id] : [])];
}

function factAfterDeath(): Finding {
  return { code: 'FACT_AFTER_DEATH', field: 'event_date', message: RULES.FACT_AFTER_DEATH.description };
}
