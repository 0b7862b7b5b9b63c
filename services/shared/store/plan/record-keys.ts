import { blockingKeys, typoVariants } from '../../linkage/blocking.js';
import { personToMatchRecord } from '../../linkage/match-record.js';
import type { LinkageSettings } from '../../linkage/settings.js';
import type { PersonObservation } from '../../schemas/records.js';

/**
 * The store sends a record back to the linker by itself at most this many times (each time a new
 * citizen shares a key with it). Sends by a settings change or a change of the register are
 * accounted apart (settings_relinks) and do not use this budget up: records-in-reach.ts.
 */
export const MAX_RELINK_ATTEMPTS = 20;

export interface BlockingKey {
  rule: string;
  key: string;
}

/** The blocking rules that key on the personal ID alone. */
export function idRules(settings: LinkageSettings): string[] {
  return settings.blocking_rules.filter((rule) => rule.equal.length === 1 && rule.equal[0] === 'personal_id').map((rule) => rule.name);
}

export function keysOf(settings: LinkageSettings, id: string, person: PersonObservation['person']): BlockingKey[] {
  return blockingKeys(settings.blocking_rules, personToMatchRecord(id, person));
}

/** The keys a record waiting unlinked, or in review, is found under when a new citizen is registered. */
export function recordKeysOf(settings: LinkageSettings, observation: PersonObservation): BlockingKey[] {
  return keysOf(settings, observation.observation_id, observation.person);
}

/**
 * A new citizen is worth a second look for a waiting record when they share the personal ID key
 * or at least two blocking keys: one shared key alone (same birth day and family name) is how
 * most strangers look, and sending each of them back would multiply the linker's work.
 */
export function enoughSharedKeys(settings: LinkageSettings, a: readonly BlockingKey[], b: readonly BlockingKey[]): boolean {
  const ids = new Set(idRules(settings));
  const theirs = new Set(b.map((k) => `${k.rule}\u0000${k.key}`));
  const shared = a.filter((k) => theirs.has(`${k.rule}\u0000${k.key}`));
  return shared.length >= 2 || shared.some((k) => ids.has(k.rule));
}

/**
 * Keys as a waiting record and a citizen may share them: the keys themselves and, for a rule with
 * typo lookups, the variants of its key. A record whose ID was mistyped once finds the ID's holder
 * through them when it is decided after the holder is registered; expanding one side of each
 * comparison lets it find them when it was decided before, so the order does not decide.
 */
export function withTypoVariants(settings: LinkageSettings, keys: readonly BlockingKey[]): BlockingKey[] {
  const typoRules = new Set(settings.blocking_rules.filter((rule) => rule.typo_lookup !== undefined).map((rule) => rule.name));
  if (typoRules.size === 0) return [...keys];
  return keys.flatMap((k) => (typoRules.has(k.rule) ? [k, ...typoVariants(k.key).map((key) => ({ rule: k.rule, key }))] : [k]));
}
