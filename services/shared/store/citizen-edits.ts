import type { PopulationUpdateDraft } from '../schemas/records.js';
import type { PoolClient } from './db.js';
import { loadCitizens, type LoadedCitizens } from './decision-load.js';
import { writePlan } from './decision-write.js';
import { materialiseRegisterClaims, planCitizenRows, recompute, type Change, type CitizenState } from './plan/citizen-state.js';
import type { PlanContext } from './plan/loaded-state.js';
import { updateRow } from './plan/observation-update.js';
import { createPlannedRows, type PlannedRows } from './plan/planned-rows.js';

/**
 * A steward's or a merge's edits of citizens, in the same phases as a chunk of decisions: the
 * citizens are locked and read, their fields chosen again in memory, and every table written by
 * one statement. What the edit does besides (moving links, facts and history) is the caller's.
 */
export class CitizenEdits {
  private loaded: LoadedCitizens = { citizens: [], redirects: new Map() };
  private rows: PlannedRows = createPlannedRows();

  constructor(
    private readonly client: PoolClient,
    private readonly context: PlanContext,
  ) {}

  async load(ids: readonly string[]): Promise<void> {
    this.loaded = await loadCitizens(this.client, ids, this.loaded);
  }

  citizen(id: string): CitizenState | null {
    const target = this.loaded.redirects.get(id) ?? id;
    return this.loaded.citizens.find((s) => s.row.citizen_id === target || s.row.personal_id === target) ?? null;
  }

  /** Chooses every field's value again from all its claims (plan/citizen-state.ts). */
  recompute(state: CitizenState): Change[] {
    return recompute(state, this.context.survivorship);
  }

  /**
   * Writes the citizens' register values down as claims before their histories change (a merge
   * mixes two, an unlink takes a record's away): recompute() then empties only the fields no
   * one ever claimed.
   */
  async materialiseRegisterClaimsOf(ids: readonly string[]): Promise<void> {
    await this.load(ids);
    for (const id of ids) {
      const state = this.citizen(id);
      if (state) materialiseRegisterClaims(state);
    }
    await this.write();
  }

  addOutbox(update: PopulationUpdateDraft): void {
    this.rows.outbox.add(updateRow(update, this.context.topics.populationUpdates), { decision_id: null, rule: update.update_type });
  }

  addAuditBy(actor: string, action: string, citizenId: string | null, details: object): void {
    this.rows.audit.add({ actor, action, citizen_id: citizenId, details }, { decision_id: null, rule: action });
  }

  /** Writes the citizens' changes and the rows added, in one statement; the citizens stay known (and locked) for more edits. */
  async write(): Promise<void> {
    planCitizenRows(this.loaded.citizens, this.rows, this.context.settings, this.context.now);
    await writePlan(this.client, this.rows);
    for (const state of this.loaded.citizens) {
      for (const row of state.history) row.stored = { isCurrent: row.isCurrent, rule: row.rule };
      state.changed = false;
    }
    this.rows = createPlannedRows();
  }
}
