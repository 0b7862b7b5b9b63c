import type { MatchRecord } from './match-record.js';
import { holds } from './predicates.js';
import type { BlockingRule } from './settings.js';

/** The key a record has under a blocking rule; null when one of the rule's features is missing. */
export function blockingKey(rule: BlockingRule, record: MatchRecord): string | null {
  const parts: string[] = [];
  for (const feature of rule.equal) {
    const value = record.features[feature];
    if (value === null) return null;
    parts.push(value);
  }
  return parts.join('\u001f');
}

/** Every (rule, key) a record has: what a register citizen is indexed under. */
export function blockingKeys(rules: readonly BlockingRule[], record: MatchRecord): { rule: string; key: string }[] {
  return rules.flatMap((rule) => {
    const key = blockingKey(rule, record);
    return key === null ? [] : [{ rule: rule.name, key }];
  });
}

/**
 * What a rule's keys in citizen_blocking_keys depend on: the rule without its max_block_size, which
 * is applied when the keys are looked up, so changing it needs no reindex and can be shadowed.
 */
export function indexedRuleIdentity(rule: BlockingRule): string {
  const { max_block_size: _cap, ...indexed } = rule;
  return JSON.stringify(indexed);
}

/** Whether a candidate found under `rule` passes the rule's filter (the part that is not an equality). */
export function passesFilter(rule: BlockingRule, record: MatchRecord, candidate: MatchRecord): boolean {
  return rule.filter === undefined || holds(rule.filter, record, candidate);
}
