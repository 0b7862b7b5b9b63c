import type { PopulationUpdate } from '../../services/shared/schemas/records.js';

/** What a consumer of population.updates.v1 holds of one citizen: the version it applied last, the versions it applied in order, and each field as the updates it applied set it. */
export interface HeldCitizen {
  version: number;
  applied: number[];
  fields: Map<string, string | null>;
}

/**
 * A consumer following the README's rule, over the updates in the order it receives them: it
 * applies an update only if its version is higher than the one it holds, so a copy (a batch the
 * relay sent again after a broker loss: 1, 2, 1, 2, 3) is dropped, and told to `onDropped` with its
 * place among the updates.
 */
export function applyHigherVersions(
  updates: readonly PopulationUpdate[],
  onDropped: (update: PopulationUpdate, at: number) => void = () => undefined,
): Map<string, HeldCitizen> {
  const held = new Map<string, HeldCitizen>();
  for (const [at, update] of updates.entries()) {
    const citizen = held.get(update.citizen_id) ?? { version: 0, applied: [], fields: new Map<string, string | null>() };
    held.set(update.citizen_id, citizen);
    if (update.citizen_version <= citizen.version) {
      onDropped(update, at);
      continue;
    }
    citizen.version = update.citizen_version;
    citizen.applied.push(update.citizen_version);
    for (const change of update.changes) citizen.fields.set(change.field, change.new_value);
  }
  return held;
}
