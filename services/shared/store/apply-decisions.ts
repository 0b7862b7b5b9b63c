import type { LinkDecision } from '../schemas/records.js';
import type { PoolClient } from './db.js';
import { loadForDecisions } from './decision-load.js';
import { writePlan } from './decision-write.js';
import type { PlanContext } from './plan/loaded-state.js';
import { planDecisions, type ApplyResult } from './plan/plan-decisions.js';
import { rowCount } from './plan/planned-rows.js';
import type { ReexaminationTrigger } from './plan/reexamination.js';
import { reexamineAfterChanges } from './register-reexamination.js';

export const STORE_CONSUMER = 'store';

export type { ApplyResult };
/** The settings, topics and time a chunk is applied with (plan/loaded-state.ts). */
export type WriterContext = PlanContext;
export { newCitizenId } from './plan/new-citizen.js';

/** What applying a chunk cost: round trips to PostgreSQL and rows written (for the bench and the cost budget). */
export interface ApplyStats {
  roundTrips: number;
  rows: number;
  /** Records the chunk's changes of the register sent back to the linker (register-reexamination.ts). */
  reexamined?: number;
}

/** The plan sends the records waiting for the citizens it registers back itself (plan-decisions.ts): a birth's re-examination looks at linked records. */
const HELD_SENT_BY_PLAN: ReadonlySet<ReexaminationTrigger> = new Set(['CREATED']);

/**
 * Applies a chunk of link decisions inside the caller's transaction, in phases: classify and
 * lock and load (decision-load.ts), plan (plan/, pure), write (decision-write.ts, one statement
 * for every table). Citizen changes, history, facts, findings, audit entries and outbox rows
 * commit together or not at all; a redelivered decision (or one twice in the chunk) changes
 * nothing. Then, in the same transaction, the records in reach of the citizens the chunk
 * registered or whose identity it corrected go back to the linker (register-reexamination.ts).
 */
export async function applyDecisions(
  client: PoolClient,
  decisions: readonly LinkDecision[],
  context: WriterContext,
  stats?: ApplyStats,
): Promise<ApplyResult[]> {
  const loaded = await loadForDecisions(client, STORE_CONSUMER, decisions, context.settings);
  const { results, rows, registerChanges } = planDecisions(decisions, loaded, context);
  const planned = rowCount(rows);
  const written = await writePlan(client, rows);
  const reexamined = await reexamineAfterChanges(client, context, registerChanges, { heldSentAlreadyFor: HELD_SENT_BY_PLAN });
  if (stats) {
    stats.roundTrips += loaded.roundTrips + written.statements;
    stats.rows += planned;
    stats.reexamined = (stats.reexamined ?? 0) + reexamined.sent;
  }
  return results;
}
