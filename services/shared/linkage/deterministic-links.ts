import { blockingKey, lookupKey, nearKeys } from './blocking.js';
import type { MatchRecord } from './match-record.js';
import type { BlockingRule, LinkageSettings } from './settings.js';

/**
 * The settings' deterministic links, compiled once: which levels of which comparisons each rule
 * accepts, as indexes into a pair's levels, and which candidates its blocking rule finds in a
 * lookup's first step (those sharing the record's key, and those holding its near keys: a twin's
 * consecutive ID). Pure: the engine decides with it (engine.ts), the candidate sources look up the
 * rules' blocking rules first because of it (candidate-source.ts FirstLookup).
 */
export type DeterministicLink = NonNullable<LinkageSettings['deterministic_links']>[number];

/** A rule, the test of a pair's levels against it, and the candidates of a record its first step finds. */
export interface CompiledDeterministicLink {
  rule: DeterministicLink;
  holdsAt: (levels: readonly number[]) => boolean;
  /**
   * Per candidate, whether it shares the record's key under the blocking rule (a holder, `key`),
   * holds one of its near keys (`near`: weighed with the holder), or neither (null).
   */
  found: (record: MatchRecord, candidates: readonly MatchRecord[]) => ('key' | 'near' | null)[];
}

function compile(settings: LinkageSettings, rule: DeterministicLink): CompiledDeterministicLink {
  // Per comparison (the settings' order), the level indexes the rule accepts; null where it names none.
  const accepted = settings.comparisons.map((comparison) => {
    const labels = rule.levels[comparison.name];
    return labels ? new Set(comparison.levels.flatMap((level, index) => (labels.includes(level.label) ? [index] : []))) : null;
  });
  // The settings refuse a deterministic link whose blocking rule is not theirs.
  const blocking: BlockingRule = settings.blocking_rules.find((candidate) => candidate.name === rule.blocking_rule)!;
  return {
    rule,
    holdsAt: (levels) => accepted.every((levelSet, i) => levelSet === null || levelSet.has(levels[i]!)),
    found: (record, candidates) => {
      const key = lookupKey(blocking, record);
      if (key === null) return candidates.map(() => null);
      const near = nearKeys(blocking, record);
      return candidates.map((candidate) => {
        const theirs = blockingKey(blocking, candidate);
        if (theirs === key) return 'key';
        return theirs !== null && near.includes(theirs) ? 'near' : null;
      });
    },
  };
}

export class DeterministicLinks {
  /** The rules in the settings' order. */
  readonly rules: readonly CompiledDeterministicLink[];
  /** The blocking rules the deterministic links find their candidates with: looked up before the others. */
  readonly firstRules: ReadonlySet<string>;

  constructor(settings: LinkageSettings) {
    const rules = settings.deterministic_links ?? [];
    this.rules = rules.map((rule) => compile(settings, rule));
    this.firstRules = new Set(rules.map((rule) => rule.blocking_rule));
  }
}
