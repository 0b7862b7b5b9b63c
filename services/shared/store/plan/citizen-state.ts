import { citizenKeyRows } from '../../linkage/citizen-keys.js';
import { citizenRecordAndStoredFeatures } from '../../linkage/stored-address-features.js';
import type { LinkageSettings } from '../../linkage/settings.js';
import {
  claimOfProvenance,
  currentValue,
  planChanges,
  registerClaim,
  sameClaim,
  withChange,
  withoutValue,
  type ClaimHistory,
  type PlannedChange,
} from '../../register/citizen-changes.js';
import { citizenAsPerson, type CitizenRow } from '../../register/citizen-row.js';
import { chooseValue, compareClaims, REGISTER_FIELDS, type Claim, type RegisterField, type Survivorship } from '../../register/survivorship.js';
import type { Finding, PersonObservation, PopulationUpdate } from '../../schemas/records.js';
import type { PlannedRows } from './planned-rows.js';
import { keysRemembered } from './record-keys.js';
import type { Cause } from './row-set.js';

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

/** A citizen locked by this transaction, with every claim on its fields; `created`: registered by this chunk (inserted, not updated). */
export interface CitizenState {
  row: CitizenRow;
  history: HistoryRow[];
  changed: boolean;
  created?: { origin: string };
  /** When the register registered it (ms since the epoch), for a citizen loaded from the register. */
  registeredAt?: number;
  /** The decision and rule that last changed it. */
  cause?: Cause;
}

/** A history row as the table holds it. */
export interface StoredClaim {
  field: RegisterField;
  value: string;
  source: string;
  event_time: number;
  observation_id: string;
  is_current: boolean;
  rule: string;
}

export type Change = PopulationUpdate['changes'][number];

/** A citizen as loaded: its row and its stored history, nothing changed yet. */
export function loadedCitizen(row: CitizenRow, history: readonly StoredClaim[], registeredAt?: number): CitizenState {
  return {
    row,
    changed: false,
    ...(registeredAt === undefined ? {} : { registeredAt }),
    history: history.map((h) => ({
      field: h.field,
      claim: claimOfProvenance(h),
      isCurrent: h.is_current,
      rule: h.rule,
      stored: { isCurrent: h.is_current, rule: h.rule },
    })),
  };
}

export function historyOf(state: CitizenState): ClaimHistory {
  const history: Partial<Record<RegisterField, Claim[]>> = {};
  for (const row of state.history) (history[row.field] ??= []).push(row.claim);
  return history;
}

/**
 * Applies an observation's values to a citizen under the survivorship rules: its claims join
 * the history, and the fields whose surviving claim changed are rewritten.
 */
export function applyObservation(
  state: CitizenState,
  observation: PersonObservation,
  survivorship: Survivorship,
  cause: Cause,
): { changes: PlannedChange[]; findings: Finding[] } {
  const plan = planChanges(state.row, observation, historyOf(state), survivorship);
  const origin = { system: observation.source_system, record: observation.source_record_id };
  for (const added of plan.claims) {
    state.history.push({
      field: added.field,
      claim: added.claim,
      isCurrent: added.isCurrent,
      rule: added.rule,
      stored: null,
      origin: added.claim.source === observation.source ? origin : undefined,
    });
  }
  for (const { field, claim, rule } of plan.current) {
    const fieldRules = survivorship.fields[field];
    for (const row of state.history.filter((r) => r.field === field)) {
      const survives = sameClaim(row.claim, claim);
      if (survives) [row.isCurrent, row.rule] = [true, rule];
      else if (row.isCurrent) [row.isCurrent, row.rule] = [false, compareClaims(fieldRules, claim, row.claim).rule];
    }
  }
  for (const change of plan.changes) state.row = withChange(state.row, change);
  if (plan.changes.length > 0) state.changed = true;
  state.cause = cause;
  return { changes: plan.changes, findings: plan.findings };
}

/** The register's own values become claims in the history where no event has claimed the field yet (before a merge mixes two histories). */
export function materialiseRegisterClaims(state: CitizenState): void {
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
export function recompute(state: CitizenState, survivorship: Survivorship): Change[] {
  const before = state.row;
  let row: CitizenRow = { ...state.row, status: state.row.date_of_death ? 'DECEASED' : 'ALIVE' };
  for (const field of REGISTER_FIELDS) {
    const rules = survivorship.fields[field];
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

/**
 * A citizen's blocking keys as its row now stands, once per row (keysRemembered): a change makes
 * a new row (withChange), and a chunk asks for the keys of each citizen it registers once per
 * record it keeps waiting.
 */
export const keysOfCitizen = keysRemembered((settings, row: CitizenRow) => citizenKeyRows(settings, readOf(row).record));

/** Each row's match record and stored address features, its address worked out once for both (a change makes a new row). */
const readByRow = new WeakMap<CitizenRow, ReturnType<typeof citizenRecordAndStoredFeatures>>();

function readOf(row: CitizenRow): ReturnType<typeof citizenRecordAndStoredFeatures> {
  let read = readByRow.get(row);
  if (read === undefined) {
    read = citizenRecordAndStoredFeatures(row.citizen_id, citizenAsPerson(row));
    readByRow.set(row, read);
  }
  return read;
}

/** The address's features as the register stores them with the row, so that the linker reads them rather than working them out. */
function storedFeatures(row: CitizenRow): string | null {
  return readOf(row).stored;
}

/**
 * The rows the citizens' new state writes: each changed citizen's row (inserted when the chunk
 * registered it) and blocking keys, every claim not yet stored, and the stored claims whose
 * current flag or rule changed.
 */
export function planCitizenRows(citizens: Iterable<CitizenState>, rows: PlannedRows, settings: LinkageSettings, now: Date): void {
  const appliedAt = now.toISOString();
  for (const state of citizens) {
    const cause = state.cause ?? { decision_id: null, rule: 'survivorship' };
    const id = state.row.citizen_id;
    if (state.created) rows.citizensCreated.add({ ...state.row, address_features: storedFeatures(state.row), origin: state.created.origin }, cause);
    else if (state.changed) rows.citizens.add({ ...state.row, address_features: storedFeatures(state.row) }, cause);
    if (state.changed || state.created) {
      rows.blockingKeys.add({ citizen_id: id, rule: null, key: null }, { ...cause, rule: 'blocking-keys' });
      for (const k of keysOfCitizen(settings, state.row)) rows.blockingKeys.add({ citizen_id: id, ...k }, { ...cause, rule: 'blocking-keys' });
    }
    for (const row of state.history) {
      if (row.stored === null) {
        const origin = row.origin ?? { system: 'population-register', record: id };
        rows.provenance.add(
          {
            citizen_id: id,
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
          },
          { ...cause, rule: row.rule },
        );
      } else if (row.stored.isCurrent !== row.isCurrent || row.stored.rule !== row.rule) {
        rows.provenanceFlags.add(
          { citizen_id: id, field: row.field, observation_id: row.claim.observationId, source: row.claim.source, is_current: row.isCurrent, rule: row.rule },
          { ...cause, rule: row.rule },
        );
      }
    }
  }
}
