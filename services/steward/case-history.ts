import type { Pool } from '../shared/store/db.js';

/** An audit row of a case, once per action: the log holds one row per citizen the action named. */
export interface CaseAuditRow {
  at: Date;
  actor: string;
  action: string;
  /** The decision's kind (LINK, NEW, …, UNDO) on rows about a decision. */
  decision_action: string | null;
  /** Why the register refused the decision, by its code (steward-refusal.ts), on a refusal's row that has one. */
  refusal: string | null;
}

/**
 * A line of a case's history: who did what, when. `event` is the audit action (CASE_VIEWED,
 * CASE_CLAIMED, STEWARD_DECIDED, …), STEWARD_UNDID for a decision that undoes another, and
 * CASE_OPENED for the linker sending the record to review. Views in a row by one steward are one
 * line, from `at` to `until`, `times` of them.
 */
export interface CaseHistoryEntry {
  at: Date;
  until: Date | null;
  /** The steward's user name; null for the pipeline. */
  actor: string | null;
  event: string;
  decision_action: string | null;
  /** The code of the register's refusal (STEWARD_DECISION_REFUSED), when it gave one: the case page says why in words. */
  refusal: string | null;
  times: number;
}

/** The newest audit rows a case's history reads: a case viewed thousands of times still answers at once. */
const MAX_ROWS = 1_000;

function actorName(actor: string): string | null {
  if (actor.startsWith('steward:')) return actor.slice('steward:'.length);
  return actor === '' ? null : actor;
}

/** The history from the case's opening and its audit rows (oldest first), consecutive views of one steward folded into one line. */
export function foldHistory(openedAt: Date, rows: readonly CaseAuditRow[]): CaseHistoryEntry[] {
  const entries: CaseHistoryEntry[] = [{ at: openedAt, until: null, actor: null, event: 'CASE_OPENED', decision_action: null, refusal: null, times: 1 }];
  for (const row of rows) {
    const actor = actorName(row.actor);
    const event = row.action === 'STEWARD_DECIDED' && row.decision_action === 'UNDO' ? 'STEWARD_UNDID' : row.action;
    const last = entries[entries.length - 1]!;
    if (event === 'CASE_VIEWED' && last.event === 'CASE_VIEWED' && last.actor === actor) {
      last.until = row.at;
      last.times += 1;
      continue;
    }
    entries.push({
      at: row.at,
      until: null,
      actor,
      event,
      decision_action: event === 'STEWARD_UNDID' ? null : row.decision_action,
      refusal: row.refusal,
      times: 1,
    });
  }
  return entries;
}

/** A case's newest audit rows ($1 the case id as text, $2 how many at most), oldest first; migration 035's partial index holds only the rows that name a case. */
export const CASE_HISTORY_QUERY = `select at, actor, action, decision_action, refusal from (
       select at, actor, action, details->>'action' as decision_action, details->'outcome'->>'code' as refusal, min(id) as first
         from audit_log where details->>'case_id' = $1
        group by at, actor, action, details->>'action', details->'outcome'->>'code'
        order by at desc, first desc limit $2
     ) newest order by at, first`;

/**
 * Who viewed, claimed, released, decided, undid and merged on a case, and when, and why the
 * register refused a decision, from the audit log (the rows that name the case in their details; audit_log_case_idx finds them).
 */
export async function caseHistory(pool: Pool, caseId: number, openedAt: Date): Promise<CaseHistoryEntry[]> {
  const { rows } = await pool.query<CaseAuditRow>(CASE_HISTORY_QUERY, [String(caseId), MAX_ROWS]);
  return foldHistory(openedAt, rows);
}
