import type { LinkageSettings } from '../../linkage/settings.js';
import type { Classified } from './classify.js';
import { REGISTRATION_CLOCK_MARGIN_MS } from './new-citizen.js';
import { idRules, withTypoVariants, type BlockingKey } from './record-keys.js';

/** One key a record is looked up under (its ID's typo variants included), with the time its decision was made. */
export interface ProbeRow extends BlockingKey {
  readonly observation: string;
  readonly decided: number;
}

/**
 * A citizen a source registered, or whose identity (name, date of birth, sex) changed, lately:
 * when (ms since the epoch; the later of the two), whether the change was of their identity, and
 * the keys they hold now.
 */
export interface RecentCitizen {
  readonly citizen_id: string;
  readonly changed_at: number;
  /** Their identity changed (not only registered) at `changed_at`. */
  readonly corrected: boolean;
  readonly keys: readonly BlockingKey[];
}

/** A record and a citizen registered or changed since its decision who shares enough keys with it. */
export interface RecentPair {
  readonly observation_id: string;
  readonly citizen_id: string;
  /**
   * The citizen's identity changed after the decision was made (the database's clock against the
   * linker's, with no margin): among its candidates, the decision saw them as they were. Within
   * the margin only, a candidate is taken as seen: the linker decides a record sent back again
   * within seconds of the change, after it committed, and would be sent back again and again
   * until its budget ran out. What that leaves out: a decision made after the change was stamped
   * and before it committed, which is the change's last statement (register-reexamination.ts).
   */
  readonly corrected: boolean;
}

/** The rows the chunk's records are looked up under: every key of each (its ID's typo variants included), with its decision's time. */
export function probeRows(settings: LinkageSettings, probes: Classified['reachProbes']): ProbeRow[] {
  return probes.flatMap((p) => withTypoVariants(settings, p.keys, 'record').map((k) => ({ ...k, observation: p.observation_id, decided: p.decided_at })));
}

/** The earliest time a citizen registered or changed out of the linker's sight may carry: the oldest decision's, less the clocks' margin. */
export function registeredSinceBound(rows: readonly ProbeRow[]): number {
  return rows.reduce((oldest, row) => Math.min(oldest, row.decided), Infinity) - REGISTRATION_CLOCK_MARGIN_MS;
}

/**
 * The pairs (record, citizen) where the citizen was registered or changed after the record's
 * decision (less the margin) and shares with it the personal-ID key or two keys: the same pairs as
 * records-in-reach.ts's query, which counts a match per row looked up and per key held, worked
 * out here from the few citizens registered or changed since.
 */
export function recentPairs(settings: LinkageSettings, rows: readonly ProbeRow[], recent: readonly RecentCitizen[]): RecentPair[] {
  const ids = new Set(idRules(settings));
  // By rule, then by key: a citizen's keys are looked up without a string made for each.
  const byRule = new Map<string, Map<string, ProbeRow[]>>();
  for (const row of rows) {
    let byKey = byRule.get(row.rule);
    if (!byKey) byRule.set(row.rule, (byKey = new Map<string, ProbeRow[]>()));
    const list = byKey.get(row.key);
    if (list) list.push(row);
    else byKey.set(row.key, [row]);
  }
  const pairs: RecentPair[] = [];
  for (const citizen of recent) {
    const shared = new Map<string, { count: number; byId: boolean; decided: number }>();
    for (const k of citizen.keys) {
      for (const row of byRule.get(k.rule)?.get(k.key) ?? []) {
        if (citizen.changed_at <= row.decided - REGISTRATION_CLOCK_MARGIN_MS) continue;
        const tally = shared.get(row.observation) ?? { count: 0, byId: false, decided: row.decided };
        tally.count += 1;
        tally.byId ||= ids.has(k.rule);
        shared.set(row.observation, tally);
      }
    }
    for (const [observation, tally] of shared) {
      if (tally.count < 2 && !tally.byId) continue;
      pairs.push({ observation_id: observation, citizen_id: citizen.citizen_id, corrected: citizen.corrected && citizen.changed_at > tally.decided });
    }
  }
  return pairs;
}

/**
 * Whether a citizen registered or changed out of the decision's sight may be the record's person:
 * one it had not among its candidates, or one whose identity changed after it (RecentPair.corrected).
 */
export function unseenInReach(pairs: readonly RecentPair[], observationId: string, candidates: ReadonlySet<string>): boolean {
  return pairs.some((pair) => pair.observation_id === observationId && (pair.corrected || !candidates.has(pair.citizen_id)));
}
