import { blockingKeys } from './blocking.js';
import type { MatchRecord } from './match-record.js';
import { tfFeatures, type LinkageSettings } from './settings.js';

/** Rows of citizen_blocking_keys for a citizen: its blocking keys and, as `tf:<feature>`, the values term frequencies count. */
export function citizenKeyRows(settings: LinkageSettings, citizen: MatchRecord): { rule: string; key: string }[] {
  const rows = blockingKeys(settings.blocking_rules, citizen);
  for (const feature of tfFeatures(settings)) {
    const value = citizen.features[feature];
    if (value !== null) rows.push({ rule: `tf:${feature}`, key: value });
  }
  return rows;
}
