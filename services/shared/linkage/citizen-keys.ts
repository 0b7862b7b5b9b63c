import { blockingKeys } from './blocking.js';
import type { Feature, MatchRecord } from './match-record.js';
import type { LinkageSettings } from './settings.js';
import { tfFeatures } from './batch-linkage.js';

/** Rows of citizen_blocking_keys for a citizen: its blocking keys and, as `tf:<feature>`, the values term frequencies count. */
const TF_FEATURES = new WeakMap<LinkageSettings, Feature[]>();

export function citizenKeyRows(settings: LinkageSettings, citizen: MatchRecord): { rule: string; key: string }[] {
  const rows = blockingKeys(settings.blocking_rules, citizen);
  let features = TF_FEATURES.get(settings);
  if (!features) {
    features = tfFeatures(settings);
    TF_FEATURES.set(settings, features);
  }
  for (const feature of features) {
    const value = citizen.features[feature];
    if (value !== null) rows.push({ rule: `tf:${feature}`, key: value });
  }
  return rows;
}
