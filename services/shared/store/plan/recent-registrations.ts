import type { LinkageSettings } from '../../linkage/settings.js';
import type { Classified } from './classify.js';
import { REGISTRATION_CLOCK_MARGIN_MS } from './new-citizen.js';
import { idRules, withTypoVariants, type BlockingKey } from './record-keys.js';

/** One key a record is looked up under (its ID's typo variants included), with the time its decision was made. */
export interface ProbeRow extends BlockingKey {
  readonly observation: string;
  readonly decided: number;
}

/** A citizen a source registered, with when (ms since the epoch) and the keys it holds. */
export interface Registration {
  readonly citizen_id: string;
  readonly registered_at: number;
  readonly keys: readonly BlockingKey[];
}

/** The rows the chunk's records are looked up under: every key of each (its ID's typo variants included), with its decision's time. */
export function probeRows(settings: LinkageSettings, probes: Classified['reachProbes']): ProbeRow[] {
  return probes.flatMap((p) => withTypoVariants(settings, p.keys, 'record').map((k) => ({ ...k, observation: p.observation_id, decided: p.decided_at })));
}

/** The earliest registration time a citizen the linker could not see may have: the oldest decision's, less the clocks' margin. */
export function registeredSinceBound(rows: readonly ProbeRow[]): number {
  return rows.reduce((oldest, row) => Math.min(oldest, row.decided), Infinity) - REGISTRATION_CLOCK_MARGIN_MS;
}

/**
 * The pairs (record, citizen) where the citizen was registered after the record's decision (less
 * the margin) and shares with it the personal-ID key or two keys: the same pairs as
 * records-in-reach.ts's query, which counts a match per row looked up and per key held, worked
 * out here from the few citizens registered since.
 */
export function recentPairs(
  settings: LinkageSettings,
  rows: readonly ProbeRow[],
  registrations: readonly Registration[],
): { observation_id: string; citizen_id: string }[] {
  const ids = new Set(idRules(settings));
  // By rule, then by key: a registration's keys are looked up without a string made for each.
  const byRule = new Map<string, Map<string, ProbeRow[]>>();
  for (const row of rows) {
    let byKey = byRule.get(row.rule);
    if (!byKey) byRule.set(row.rule, (byKey = new Map<string, ProbeRow[]>()));
    const list = byKey.get(row.key);
    if (list) list.push(row);
    else byKey.set(row.key, [row]);
  }
  const pairs: { observation_id: string; citizen_id: string }[] = [];
  for (const citizen of registrations) {
    const shared = new Map<string, { count: number; byId: boolean }>();
    for (const k of citizen.keys) {
      for (const row of byRule.get(k.rule)?.get(k.key) ?? []) {
        if (citizen.registered_at <= row.decided - REGISTRATION_CLOCK_MARGIN_MS) continue;
        const tally = shared.get(row.observation) ?? { count: 0, byId: false };
        tally.count += 1;
        tally.byId ||= ids.has(k.rule);
        shared.set(row.observation, tally);
      }
    }
    for (const [observation, tally] of shared) if (tally.count >= 2 || tally.byId) pairs.push({ observation_id: observation, citizen_id: citizen.citizen_id });
  }
  return pairs;
}
