import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../services/shared/linkage/settings.js';
import { rollbackShadowSettings, rollbackTarget } from '../../services/shared/linkage/settings-history.js';

const settings = loadSettings();
const [kept, dropped] = settings.blocking_rules;
const withoutRule = { ...settings, blocking_rules: settings.blocking_rules.filter((rule) => rule.name !== dropped!.name) };

describe('rolling back the current linkage settings', () => {
  it('returns to the version under the current one', () => {
    const entries = [
      { action: 'BOOTSTRAP', version: 'v1' },
      { action: 'PROMOTE', version: 'v2' },
    ] as const;
    expect(rollbackTarget(entries)).toEqual({ from: 'v2', to: 'v1' });
  });

  it('weighs a target with a blocking rule the current settings dropped by the shared rules, and names the other for a reindex', () => {
    const { shadowed, unindexed } = rollbackShadowSettings(withoutRule, settings);
    expect(unindexed).toEqual([dropped!.name]);
    expect(shadowed.blocking_rules).toEqual(withoutRule.blocking_rules);
    expect(shadowed.thresholds).toEqual(settings.thresholds);
  });

  it('names a rule the current settings hold under its name but differently as one to reindex', () => {
    const current = {
      ...settings,
      blocking_rules: settings.blocking_rules.map((rule) => (rule === kept ? { ...rule, equal: [...rule.equal, rule.equal[0]!] } : rule)),
    };
    expect(rollbackShadowSettings(current, settings).unindexed).toEqual([kept!.name]);
  });

  it('needs no reindex for a rule whose max_block_size alone changed, and weighs the target with its own cap', () => {
    const current = { ...settings, blocking_rules: settings.blocking_rules.map((rule) => ({ ...rule, max_block_size: 7 })) };
    expect(rollbackShadowSettings(current, settings)).toEqual({ shadowed: settings, unindexed: [] });
  });

  it('weighs a target blocking as the current settings do unchanged', () => {
    expect(rollbackShadowSettings(settings, settings)).toEqual({ shadowed: settings, unindexed: [] });
  });
});
