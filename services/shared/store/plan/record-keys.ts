import { blockingKeys, looksUp, typoVariants } from '../../linkage/blocking.js';
import { personToMatchRecord } from '../../linkage/match-record.js';
import type { BlockingRule, LinkageSettings } from '../../linkage/settings.js';
import { citizenAsPerson, type CitizenRow } from '../../register/citizen-row.js';
import type { PersonObservation } from '../../schemas/records.js';

/**
 * The store sends a record back to the linker by itself at most this many times (each time a new
 * citizen shares a key with it). Sends by a settings change or a change of the register are
 * accounted apart (settings_relinks) and do not use this budget up: records-in-reach.ts.
 */
export const MAX_RELINK_ATTEMPTS = 20;

export interface BlockingKey {
  readonly rule: string;
  readonly key: string;
}

/**
 * A blocking key's lock (`rule:key`) as a chunk takes it: exclusively for a record that may
 * register a citizen, shared for one that may only wait for one (records-in-reach.ts, takeKeyLocks).
 */
export interface KeyLock {
  readonly key: string;
  readonly exclusive: boolean;
}

/** The blocking rules that key on the personal ID alone. */
export function idRules(settings: LinkageSettings): string[] {
  return settings.blocking_rules.filter((rule) => rule.equal.length === 1 && rule.equal[0] === 'personal_id').map((rule) => rule.name);
}

export function keysOf(settings: LinkageSettings, id: string, person: PersonObservation['person']): BlockingKey[] {
  return blockingKeys(settings.blocking_rules, personToMatchRecord(id, person));
}

/** A citizen row's blocking keys, as a record is looked up against them (no name-frequency rows: citizen-state.ts, keysOfCitizen, has those). */
export function keysOfRow(settings: LinkageSettings, row: CitizenRow): BlockingKey[] {
  return keysOf(settings, row.citizen_id, citizenAsPerson(row));
}

/**
 * Keys worked out once per settings and per object they are of (a row, an observation), which is
 * never changed in place: a chunk asks for the same keys to lock, to look up, to store and to
 * compare with each citizen it registers.
 */
export function keysRemembered<Of extends object>(
  keysOfOne: (settings: LinkageSettings, of: Of) => readonly BlockingKey[],
): (settings: LinkageSettings, of: Of) => readonly BlockingKey[] {
  const bySettings = new WeakMap<LinkageSettings, WeakMap<Of, readonly BlockingKey[]>>();
  return (settings, of) => {
    let byObject = bySettings.get(settings);
    if (!byObject) {
      byObject = new WeakMap();
      bySettings.set(settings, byObject);
    }
    let keys = byObject.get(of);
    if (!keys) {
      keys = keysOfOne(settings, of);
      byObject.set(of, keys);
    }
    return keys;
  };
}

/** The keys a record waiting unlinked, or in review, is found under when a new citizen is registered (once per observation: keysRemembered). */
export const recordKeysOf = keysRemembered((settings, observation: PersonObservation) => keysOf(settings, observation.observation_id, observation.person));

/** The advisory locks a record that may register a citizen or wait for one takes: its keys a lookup asks for (lookedUpKeys; no birth holds a placeholder, so its lock would only make the chunks of records carrying one wait on each other). */
export function recordLockKeys(settings: LinkageSettings, observation: PersonObservation): string[] {
  return keyLockNames(settings, recordKeysOf(settings, observation));
}

/** The advisory locks of these keys, those a lookup asks for (lookedUpKeys), named as every writer names them. */
export function keyLockNames(settings: LinkageSettings, keys: readonly BlockingKey[]): string[] {
  return lookedUpKeys(settings, keys).map((k) => `${k.rule}:${k.key}`);
}

/**
 * A new citizen is worth a second look for a waiting record when they share the personal ID key
 * or at least two blocking keys: one shared key alone (same birth day and family name) is how
 * most strangers look, and sending each of them back would multiply the linker's work.
 */
export function enoughSharedKeys(settings: LinkageSettings, a: readonly BlockingKey[], b: readonly BlockingKey[]): boolean {
  return sharesEnoughWith(settings, a)(b);
}

/**
 * enoughSharedKeys with the record's side (`a`) worked out once: a chunk compares each record it
 * keeps waiting with every citizen it registers.
 */
export function sharesEnoughWith(settings: LinkageSettings, a: readonly BlockingKey[]): (b: readonly BlockingKey[]) => boolean {
  const ids = idRuleSet(settings);
  // A key no lookup asks for (a placeholder ID) brings no one together, whoever holds it.
  const ours = new Map<string, number>();
  for (const k of lookedUpKeys(settings, a)) {
    const key = `${k.rule}\u0000${k.key}`;
    ours.set(key, (ours.get(key) ?? 0) + 1);
  }
  return (b) => {
    const theirs = new Set<string>();
    let shared = 0;
    for (const k of b) {
      const key = `${k.rule}\u0000${k.key}`;
      if (theirs.has(key)) continue;
      theirs.add(key);
      const times = ours.get(key);
      if (times === undefined) continue;
      shared += times;
      if (shared >= 2 || ids.has(k.rule)) return true;
    }
    return false;
  };
}

const ID_RULES = new WeakMap<LinkageSettings, ReadonlySet<string>>();

/** idRules as a set, made once per settings. */
function idRuleSet(settings: LinkageSettings): ReadonlySet<string> {
  let rules = ID_RULES.get(settings);
  if (!rules) {
    rules = new Set(idRules(settings));
    ID_RULES.set(settings, rules);
  }
  return rules;
}

/**
 * Of keys as the key tables hold them, those a lookup can reach: a no one's ID under a rule for
 * held IDs only (blocking.ts looksUp) is held there but never looked up. Other rows (the
 * name-frequency ones) are kept.
 */
export function lookedUpKeys(settings: LinkageSettings, keys: readonly BlockingKey[]): BlockingKey[] {
  const rules = rulesByName(settings);
  return keys.filter((k) => {
    const rule = rules.get(k.rule);
    return rule === undefined || looksUp(rule, k.key);
  });
}

const RULES_BY_NAME = new WeakMap<LinkageSettings, Map<string, BlockingRule>>();

/** The settings' blocking rules by name, made once per settings: the reach asks for them per record and citizen. */
function rulesByName(settings: LinkageSettings): Map<string, BlockingRule> {
  let rules = RULES_BY_NAME.get(settings);
  if (!rules) {
    rules = new Map(settings.blocking_rules.map((rule) => [rule.name, rule]));
    RULES_BY_NAME.set(settings, rules);
  }
  return rules;
}

/**
 * Keys as a waiting record and a citizen may share them: the keys themselves and, for a rule with
 * typo lookups, the variants of its key. A record whose ID was mistyped once finds the ID's holder
 * through them when it is decided after the holder is registered; expanding one side of each
 * comparison lets it find them when it was decided before, so the order does not decide. Each
 * side is expanded as the linker looks up, so both find the pairs its lookups find:
 * - a record's keys (`record`): its key unless no lookup asks for it (a placeholder ID), and the
 *   variants a lookup asks for (those with a province code);
 * - a citizen's keys (`citizen`): nothing of a key no lookup asks for; else the key and every
 *   variant, which a record holding that variant reaches through its own lookup of variants.
 */
export function withTypoVariants(settings: LinkageSettings, keys: readonly BlockingKey[], side: 'record' | 'citizen'): BlockingKey[] {
  const rules = rulesByName(settings);
  return keys.flatMap((k) => {
    const rule = rules.get(k.rule);
    if (rule === undefined) return [k];
    const held = looksUp(rule, k.key);
    const variants = rule.typo_lookup === undefined ? [] : typoVariants(k.key);
    if (side === 'citizen') return held ? [k, ...variants.map((key) => ({ rule: k.rule, key }))] : [];
    return [...(held ? [k] : []), ...variants.flatMap((key) => (looksUp(rule, key) ? [{ rule: k.rule, key }] : []))];
  });
}
