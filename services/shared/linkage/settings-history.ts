import { ConfigError } from '../errors.js';
import { indexedRuleIdentity } from './blocking.js';
import { keepingBlockingRules, type LinkageSettings } from './settings.js';

export type HistoryAction = 'BOOTSTRAP' | 'PROMOTE' | 'ROLLBACK';

/** One change of the current settings, as the register keeps it (linkage_settings_history). */
export interface HistoryEntry {
  id: number;
  action: HistoryAction;
  /** The version current from this entry on. */
  version: string;
  previous_version: string | null;
  actor: string;
  at: string;
  shadow_run_id: number | null;
  relinked: number;
}

/**
 * The versions that were made current and not rolled back, oldest first: a promotion (or the
 * first linker's bootstrap) pushes its version, a rollback pops the top. The current version is
 * the top; a rollback returns to the one under it, so two rollbacks in a row go two steps back,
 * never back and forth between two versions.
 */
export function standingVersions(entries: readonly Pick<HistoryEntry, 'action' | 'version'>[]): string[] {
  const stack: string[] = [];
  for (const entry of entries) {
    if (entry.action === 'ROLLBACK') stack.pop();
    else stack.push(entry.version);
  }
  return stack;
}

export function currentVersionOf(entries: readonly Pick<HistoryEntry, 'action' | 'version'>[]): string | null {
  return standingVersions(entries).at(-1) ?? null;
}

/** The version a rollback returns to; refused in one line when there is none. */
export function rollbackTarget(entries: readonly Pick<HistoryEntry, 'action' | 'version'>[]): { from: string; to: string } {
  const stack = standingVersions(entries);
  const from = stack.at(-1);
  const to = stack.at(-2);
  if (!from || !to) throw new ConfigError('no earlier settings version to roll back to: the current one is the first the register made current');
  return { from, to };
}

/** A promotion of the version already current changes nothing, and says so. */
export function checkPromotable(entries: readonly Pick<HistoryEntry, 'action' | 'version'>[], version: string): void {
  if (currentVersionOf(entries) === version) throw new ConfigError(`settings version ${version} is already current: nothing to promote`);
}

/**
 * The settings a rollback's shadow run weighs the target with: its blocking rules that the
 * current settings share (the register has keys only for those), and the names of the others.
 * A promotion that dropped a rule is rolled back all the same; the rule's keys come back with
 * `dancu reindex`, and until then the linker finds candidates by the shared rules alone, as
 * the shadow run did.
 */
export function rollbackShadowSettings(current: LinkageSettings, target: LinkageSettings): { shadowed: LinkageSettings; unindexed: string[] } {
  const indexed = new Set(current.blocking_rules.map(indexedRuleIdentity));
  const unindexed = target.blocking_rules.filter((rule) => !indexed.has(indexedRuleIdentity(rule))).map((rule) => rule.name);
  if (unindexed.length === 0) return { shadowed: target, unindexed };
  return { shadowed: keepingBlockingRules(target, (rule) => indexed.has(indexedRuleIdentity(rule))), unindexed };
}
