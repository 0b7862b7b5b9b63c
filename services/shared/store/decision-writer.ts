import { citizenKeyRows } from '../linkage/citizen-keys.js';
import { personToMatchRecord } from '../linkage/match-record.js';
import type { LinkageSettings } from '../linkage/settings.js';
import { RULES } from '../quality/rules.js';
import type { Finding, LinkDecision, PersonObservation, PopulationUpdate, PopulationUpdateDraft, UpdateType } from '../schemas/records.js';
import {
  currentValue,
  planChanges,
  registerClaim,
  sameClaim,
  withChange,
  withoutValue,
  type ClaimHistory,
  type PlannedChange,
} from '../register/citizen-changes.js';
import { citizenAsPerson, type CitizenRow } from '../register/citizen-row.js';
import { chooseValue, compareClaims, REGISTER_FIELDS, type Claim, type RegisterField, type Survivorship } from '../register/survivorship.js';
import { citizenRowColumns } from './citizens-table.js';
import type { PoolClient } from './db.js';
import { createRegisterWrites, nothingToWrite, registerWritesQuery, type KeyRow, type RegisterWrites } from './register-writes.js';
import { afterDeath, factOf } from './sector-facts-store.js';

/** One value in a citizen's field history; `stored` is what the table holds for it, null until it is written. */
export interface HistoryRow {
  field: RegisterField;
  claim: Claim;
  isCurrent: boolean;
  rule: string;
  stored: { isCurrent: boolean; rule: string } | null;
  /** The source system and record a value not yet written came from (to write it); the register's own value is the register's record of the citizen. */
  origin?: { system: string; record: string };
}

/** A citizen locked by this transaction, with every claim on its fields. */
export interface CitizenState {
  row: CitizenRow;
  history: HistoryRow[];
  changed: boolean;
}

/** What became of a decision, per observation (observation_outcomes.outcome). */
export type Outcome = 'CREATED' | 'LINKED' | 'REVIEW' | 'UNLINKED' | 'DELETED';

/** How a review case the pipeline closes is resolved, in the words of the steward's decisions. */
const CASE_RESOLUTION = { LINKED: 'LINK', CREATED: 'NEW', DELETED: 'DELETED' } as const;

export interface WriterContext {
  settings: LinkageSettings;
  survivorship: Survivorship;
  topics: { populationUpdates: string; observations: string };
  now: Date;
}

type Change = PopulationUpdate['changes'][number];

export function historyOf(state: CitizenState): ClaimHistory {
  const history: Partial<Record<RegisterField, Claim[]>> = {};
  for (const row of state.history) (history[row.field] ??= []).push(row.claim);
  return history;
}

/**
 * The writes of one chunk of decisions, inside one transaction: citizens are read once (locked,
 * with their field histories), changed in memory in decision order, and every table's rows are
 * written by one statement each when the chunk (or a step that must read them first) flushes.
 */
export class DecisionWriter {
  private readonly citizens = new Map<string, CitizenState>();
  private readonly byPersonalId = new Map<string, string>();
  private readonly writes: RegisterWrites = createRegisterWrites();
  private readonly died = new Set<string>();
  private readonly redirects = new Map<string, string>();

  constructor(
    private readonly client: PoolClient,
    private readonly context: WriterContext,
  ) {}

  /** Locks and reads the citizens (by citizen id or personal ID) not read yet, in id order so two transactions never wait on each other in a circle. */
  async load(ids: Iterable<string>): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.citizens.has(id) && !this.byPersonalId.has(id) && !this.redirects.has(id));
    if (missing.length === 0) return;
    const { rows } = await this.client.query<
      CitizenRow & {
        merged_into: string | null;
        history: { field: RegisterField; value: string; source: string; event_time: number; observation_id: string; is_current: boolean; rule: string }[];
      }
    >(
      `select ${citizenRowColumns('c')}, c.merged_into,
              coalesce((select json_agg(json_build_object('field', p.field, 'value', p.value, 'source', p.source,
                        'event_time', extract(epoch from p.event_time) * 1000, 'observation_id', p.observation_id, 'is_current', p.is_current, 'rule', p.rule))
                          from field_provenance p where p.citizen_id = c.citizen_id), '[]') as history
         from citizens c where c.citizen_id = any($1::text[]) or c.personal_id = any($1::text[])
        order by c.citizen_id for update of c`,
      [missing],
    );
    const survivors: string[] = [];
    for (const { history, merged_into: mergedInto, ...row } of rows) {
      if (row.status === 'MERGED' && mergedInto) {
        // A decision made before the merge names the merged citizen: it applies to the survivor.
        this.redirects.set(row.citizen_id, mergedInto);
        if (row.personal_id) this.redirects.set(row.personal_id, mergedInto);
        survivors.push(mergedInto);
        continue;
      }
      this.remember({
        row,
        changed: false,
        history: history.map((h) => ({
          field: h.field,
          claim: {
            value: h.value,
            precision: precisionOf(h.field, h.value),
            source: h.source,
            eventTime: Number(h.event_time),
            observationId: h.observation_id,
          },
          isCurrent: h.is_current,
          rule: h.rule,
          stored: { isCurrent: h.is_current, rule: h.rule },
        })),
      });
    }
    if (survivors.length > 0) await this.load(survivors);
  }

  remember(state: CitizenState): void {
    this.citizens.set(state.row.citizen_id, state);
    if (state.row.personal_id) this.byPersonalId.set(state.row.personal_id, state.row.citizen_id);
  }

  citizen(id: string): CitizenState | null {
    const target = this.redirects.get(id) ?? id;
    return this.citizens.get(target) ?? this.citizens.get(this.byPersonalId.get(target) ?? '') ?? null;
  }

  /**
   * Applies an observation's values to a citizen under the survivorship rules: its claims join
   * the history, and the fields whose surviving claim changed are rewritten.
   */
  applyObservation(
    state: CitizenState,
    observation: PersonObservation,
    sourceSystem: { system: string; record: string },
  ): { changes: PlannedChange[]; findings: Finding[] } {
    const plan = planChanges(state.row, observation, historyOf(state), this.context.survivorship);
    for (const added of plan.claims) {
      const origin = added.claim.source === observation.source ? sourceSystem : undefined;
      state.history.push({ field: added.field, claim: added.claim, isCurrent: added.isCurrent, rule: added.rule, stored: null, origin });
    }
    for (const { field, claim, rule } of plan.current) {
      const fieldRules = this.context.survivorship.fields[field];
      for (const row of state.history.filter((r) => r.field === field)) {
        const survives = sameClaim(row.claim, claim);
        if (survives) [row.isCurrent, row.rule] = [true, rule];
        else if (row.isCurrent) [row.isCurrent, row.rule] = [false, compareClaims(fieldRules, claim, row.claim).rule];
      }
    }
    for (const change of plan.changes) state.row = withChange(state.row, change);
    if (plan.changes.length > 0) state.changed = true;
    if (plan.changes.some((change) => change.field === 'date_of_death')) this.died.add(state.row.citizen_id);
    return { changes: plan.changes, findings: plan.findings };
  }

  /**
   * Writes the citizens' register values down as claims (see materialiseRegisterClaims) before
   * their histories change: recompute() then empties only the fields no one ever claimed.
   */
  async materialiseRegisterClaimsOf(ids: string[]): Promise<void> {
    await this.load(ids);
    for (const id of ids) {
      const state = this.citizen(id);
      if (state) this.materialiseRegisterClaims(state);
    }
    await this.flush();
  }

  /** The register's own values become claims in the history where no event has claimed the field yet (before a merge mixes two histories). */
  materialiseRegisterClaims(state: CitizenState): void {
    for (const field of REGISTER_FIELDS) {
      if (state.history.some((row) => row.field === field)) continue;
      const claim = registerClaim(state.row, field);
      if (claim) state.history.push({ field, claim, isCurrent: true, rule: 'only-claim', stored: null });
    }
  }

  /**
   * Chooses every field's value again from all its claims (after a merge brought another
   * citizen's history in, or its undoing took it away); a field left with no claim is emptied.
   */
  recompute(state: CitizenState): Change[] {
    const before = state.row;
    let row: CitizenRow = { ...state.row, status: state.row.date_of_death ? 'DECEASED' : 'ALIVE' };
    for (const field of REGISTER_FIELDS) {
      const rules = this.context.survivorship.fields[field];
      const rows = state.history.filter((r) => r.field === field);
      const choice = chooseValue(
        rules,
        rows.map((r) => r.claim),
      );
      for (const r of rows) {
        const survives = choice !== null && sameClaim(r.claim, choice.claim);
        [r.isCurrent, r.rule] = survives ? [true, choice.rule] : [false, choice ? compareClaims(rules, choice.claim, r.claim).rule : r.rule];
      }
      const held = currentValue(row, field);
      if (!choice) {
        if (held.value !== null && field !== 'full_name') row = withoutValue(row, field);
        continue;
      }
      if (held.value !== choice.claim.value || held.precision !== choice.claim.precision) {
        row = withChange(row, { field, oldValue: held.value, newValue: choice.claim.value, precision: choice.claim.precision ?? undefined, rule: choice.rule });
      }
    }
    const changes: Change[] = REGISTER_FIELDS.flatMap((field) => {
      const [was, now] = [currentValue(before, field).value, currentValue(row, field).value];
      return was === now ? [] : [{ field, old_value: was, new_value: now }];
    });
    state.row = row;
    state.changed = true;
    return changes;
  }

  /** Keeps a record that matched no one, with its blocking keys, until a citizen in reach is registered. */
  keepUnlinked(decision: LinkDecision, keys: { rule: string; key: string }[]): void {
    const o = decision.observation;
    this.writes.unlinked.add({
      observation_id: o.observation_id,
      source: o.source,
      source_system: o.source_system,
      source_record_id: o.source_record_id,
      event_type: o.event_type,
      observation: o,
      decision_id: decision.decision_id,
      reason: decision.reason,
      attempt: o.attempt,
    });
    for (const k of keys) this.writes.unlinkedKeys.add({ ...k, observation_id: o.observation_id });
  }

  /**
   * A record decided at a later attempt (a waiting record, or one in review looked at again): no
   * longer waiting; linked, made a citizen or deleted, the open review case an earlier attempt
   * opened is closed, resolved as the steward's buttons name it.
   */
  resolveUnlinked(observationId: string, resolution: 'LINKED' | 'CREATED' | 'REVIEW' | 'DELETED', citizenId: string | null): void {
    this.writes.resolutions.add({ observation_id: observationId, resolution: resolution === 'CREATED' ? 'LINKED' : resolution, citizen_id: citizenId });
    this.writes.resolvedKeys.add({ observation_id: observationId });
    if (resolution !== 'REVIEW') this.writes.reviewsClosed.add({ observation_id: observationId, resolution: CASE_RESOLUTION[resolution] });
  }

  addOutbox(update: PopulationUpdateDraft): void {
    this.writes.outbox.add({
      event_id: update.update_id,
      topic: this.context.topics.populationUpdates,
      message_key: update.citizen_id,
      record_type: 'populationUpdate',
      payload: update,
    });
  }

  addAuditBy(actor: string, action: string, citizenId: string | null, details: object): void {
    this.writes.audit.add({ actor, action, citizen_id: citizenId, details });
  }

  recordFact(state: CitizenState, observation: PersonObservation): ReturnType<typeof factOf> {
    const fact = factOf(observation);
    if (!fact) return null;
    const o = observation;
    if (o.change_type === 'UPDATE') {
      this.writes.factWithdrawals.add({
        source: o.source,
        source_system: o.source_system,
        source_record_id: o.source_record_id,
        kind: fact.kind,
        event_time: o.event_time,
      });
      // A fact of the same record earlier in this chunk is not in the table yet: withdraw it here.
      for (const earlier of this.writes.facts.values()) {
        if (
          earlier.source === o.source &&
          earlier.source_system === o.source_system &&
          earlier.source_record_id === o.source_record_id &&
          earlier.kind === fact.kind &&
          earlier.event_time <= o.event_time
        )
          earlier.withdrawn = true;
      }
    }
    this.writes.facts.add({
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
    });
    if (afterDeath(fact.kind, fact.date, state.row)) {
      this.addFindings(o, [{ code: 'FACT_AFTER_DEATH', field: 'event_date', message: RULES.FACT_AFTER_DEATH.description }], state.row.citizen_id, 'store');
    }
    return fact;
  }

  addFindings(
    observation: { observation_id: string; source: string },
    findings: readonly Finding[],
    citizenId: string | null,
    stage: 'ingest' | 'store',
  ): void {
    for (const f of findings)
      this.writes.findings.add({
        observation_id: observation.observation_id,
        source: observation.source,
        code: f.code,
        field: f.field,
        message: f.message,
        citizen_id: citizenId,
        stage,
      });
  }

  addLink(decision: LinkDecision, citizenId: string): void {
    const o = decision.observation;
    this.writes.links.add({
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
    });
  }

  addOutcome(decision: LinkDecision, outcome: Outcome, citizenId: string | null, fieldsFilled = 0): void {
    const o = decision.observation;
    const latencyMs = o.source_timestamp > 0 ? Math.max(0, this.context.now.getTime() - o.source_timestamp) : null;
    this.writes.outcomes.add({
      decision_id: decision.decision_id,
      observation_id: o.observation_id,
      source: o.source,
      event_type: o.event_type,
      outcome,
      citizen_id: citizenId,
      fields_filled: fieldsFilled,
      latency_ms: latencyMs,
    });
  }

  addAudit(action: string, citizenId: string | null, details: object): void {
    this.addAuditBy('pipeline:store', action, citizenId, details);
  }

  /** Opens a review case, or refreshes an open one's candidates when its record was looked at again; keeps the keys a new citizen finds it under. */
  addReviewCase(decision: LinkDecision, keys: { rule: string; key: string }[]): void {
    const o = decision.observation;
    this.writes.reviewCases.add({
      observation_id: o.observation_id,
      decision_id: decision.decision_id,
      reason: decision.reason,
      source: o.source,
      observation: o,
      candidates: decision.candidates,
      explanation: decision.explanation,
      settings_version: decision.settings_version || null,
    });
    for (const k of keys) this.writes.reviewKeys.add({ ...k, observation_id: o.observation_id });
  }

  publishUpdate(decision: LinkDecision, citizenId: string, updateType: UpdateType, changes: Change[], fact: PopulationUpdate['fact']): void {
    this.addOutbox(observationUpdate(decision.decision_id, citizenId, updateType, decision.observation, changes, fact, this.context.now));
  }

  /** Writes everything buffered, one statement for all tables; the citizens read stay known (and locked) for the rest of the chunk. */
  async flush(): Promise<void> {
    const changed = [...this.citizens.values()].filter((state) => state.changed);
    for (const state of changed) this.writes.citizens.add(state.row);
    const keys: KeyRow[] = changed.flatMap((state) => [
      { citizen_id: state.row.citizen_id, rule: null, key: null },
      ...citizenKeyRows(this.context.settings, personToMatchRecord(state.row.citizen_id, citizenAsPerson(state.row))).map((k) => ({
        citizen_id: state.row.citizen_id,
        ...k,
      })),
    ]);
    const appliedAt = this.context.now.toISOString();
    for (const state of this.citizens.values()) {
      for (const row of state.history) {
        if (row.stored === null) {
          const origin = row.origin ?? { system: 'population-register', record: state.row.citizen_id };
          this.writes.provenance.add({
            citizen_id: state.row.citizen_id,
            field: row.field,
            value: row.claim.value,
            source: row.claim.source,
            source_system: origin.system,
            source_record_id: origin.record,
            observation_id: row.claim.observationId,
            event_time: row.claim.eventTime,
            applied_at: appliedAt,
            rule: row.rule,
            is_current: row.isCurrent,
          });
        } else if (row.stored.isCurrent !== row.isCurrent || row.stored.rule !== row.rule) {
          this.writes.provenanceFlags.add({
            citizen_id: state.row.citizen_id,
            field: row.field,
            observation_id: row.claim.observationId,
            source: row.claim.source,
            is_current: row.isCurrent,
            rule: row.rule,
          });
        }
        row.stored = { isCurrent: row.isCurrent, rule: row.rule };
      }
      state.changed = false;
    }
    if (!nothingToWrite(this.writes, keys)) await this.client.query(registerWritesQuery(this.writes, keys));
  }

  /** Citizens whose death this chunk recorded: their facts dated after it become findings (once the facts are all written). */
  takeDeaths(): string[] {
    const deaths = [...this.died];
    this.died.clear();
    return deaths;
  }
}

/** A date's precision is its shape: 1990, 1990-02 or 1990-02-02. */
function precisionOf(field: RegisterField, value: string): Claim['precision'] {
  if (field !== 'date_of_birth' && field !== 'date_of_death') return null;
  return value.length === 4 ? 'YEAR' : value.length === 7 ? 'MONTH' : 'DAY';
}

/** The update a change made by an observation publishes: named by the observation's source record and event time. */
export function observationUpdate(
  updateId: string,
  citizenId: string,
  updateType: UpdateType,
  o: PersonObservation,
  changes: Change[],
  fact: PopulationUpdate['fact'],
  now: Date,
): PopulationUpdateDraft {
  return {
    update_id: updateId,
    citizen_id: citizenId,
    update_type: updateType,
    fact,
    changes,
    related_citizen_id: null,
    source: o.source,
    source_system: o.source_system,
    source_record_id: o.source_record_id,
    observation_id: o.observation_id,
    event_time: o.event_time,
    applied_at: now.getTime(),
  };
}
