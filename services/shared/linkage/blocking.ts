import { isNoOnesId } from '../normalise/personal-id.js';
import type { MatchRecord } from './match-record.js';
import { holds } from './predicates.js';
import type { BlockingRule } from './settings.js';

/** What joins the values of a rule's features into its key (no feature's value holds it). */
export const KEY_SEPARATOR = '\u001f';

/** The key a record has under a blocking rule; null when one of the rule's features is missing. */
export function blockingKey(rule: BlockingRule, record: MatchRecord): string | null {
  const parts: string[] = [];
  for (const feature of rule.equal) {
    const value = record.features[feature];
    if (value === null) return null;
    parts.push(value);
  }
  return parts.join(KEY_SEPARATOR);
}

/** Every (rule, key) a record has: what a register citizen is indexed under. */
export function blockingKeys(rules: readonly BlockingRule[], record: MatchRecord): { rule: string; key: string }[] {
  return rules.flatMap((rule) => {
    const key = blockingKey(rule, record);
    return key === null ? [] : [{ rule: rule.name, key }];
  });
}

/**
 * What a rule's keys in citizen_blocking_keys depend on: the rule without its max_block_size,
 * typo_lookup, held_ids_only and near_lookup, which are applied when the keys are looked up, so changing them
 * needs no reindex and can be shadowed.
 */
export function indexedRuleIdentity(rule: BlockingRule): string {
  const { max_block_size: _cap, typo_lookup: _typos, held_ids_only: _held, near_lookup: _near, ...indexed } = rule;
  return JSON.stringify(indexed);
}

const DIGITS = /^[0-9]+$/;

/**
 * The keys a typo_lookup rule also looks up when nobody holds a record's key as typed: each digit
 * replaced by each other digit, and each pair of neighbouring digits swapped (distinct keys, in a
 * fixed order). A 12-digit ID has 119 of them at most; a key that is not all digits has none.
 */
export function typoVariants(key: string): string[] {
  if (!DIGITS.test(key)) return [];
  const variants: string[] = [];
  for (let at = 0; at < key.length; at += 1) {
    const before = key.slice(0, at);
    const after = key.slice(at + 1);
    for (let digit = 0; digit <= 9; digit += 1) {
      if (String(digit) !== key[at]) variants.push(`${before}${digit}${after}`);
    }
  }
  for (let at = 0; at + 1 < key.length; at += 1) {
    if (key[at] !== key[at + 1]) variants.push(`${key.slice(0, at)}${key[at + 1]}${key[at]}${key.slice(at + 2)}`);
  }
  return variants;
}

/** Whether the rule looks up this key of a record's, or its typo variant: not an ID that is no one's (isNoOnesId) when the rule is for held IDs only. */
export function looksUp(rule: BlockingRule, key: string): boolean {
  return rule.held_ids_only !== true || !isNoOnesId(key);
}

/** The key a rule looks up for a record: its blocking key, unless the rule does not look that one up (looksUp). */
export function lookupKey(rule: BlockingRule, record: MatchRecord): string | null {
  const key = blockingKey(rule, record);
  return key !== null && looksUp(rule, key) ? key : null;
}

/** The keys a rule looks up for a record when its own key finds nobody: none unless the rule asks for typo lookups. */
export function fallbackKeys(rule: BlockingRule, record: MatchRecord): string[] {
  if (rule.typo_lookup === undefined) return [];
  const key = blockingKey(rule, record);
  return key === null ? [] : typoVariants(key).filter((variant) => looksUp(rule, variant));
}

/**
 * The keys a near_lookup rule also looks up when a record's own key has a holder: the numbers
 * within near_lookup of it, of the same length (its leading zeros kept), in a fixed order; none for a
 * key that is not all digits or a rule without near_lookup.
 */
export function nearKeys(rule: BlockingRule, record: MatchRecord): string[] {
  const key = lookupKey(rule, record);
  if (rule.near_lookup === undefined || key === null || !DIGITS.test(key)) return [];
  const number = BigInt(key);
  const near: string[] = [];
  for (let step = 1; step <= rule.near_lookup; step += 1) {
    for (const other of [number - BigInt(step), number + BigInt(step)]) {
      const text = other.toString().padStart(key.length, '0');
      if (other >= 0n && text.length === key.length && looksUp(rule, text)) near.push(text);
    }
  }
  return near;
}

/** Whether a candidate found under `rule` passes the rule's filter (the part that is not an equality). */
export function passesFilter(rule: BlockingRule, record: MatchRecord, candidate: MatchRecord): boolean {
  return rule.filter === undefined || holds(rule.filter, record, candidate);
}
