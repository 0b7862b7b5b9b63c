import { describe, expect, it } from 'vitest';
import { loadSettings, parseSettings } from '../../services/shared/linkage/settings.js';

describe('linkage settings', () => {
  const settings = loadSettings();

  it('loads the committed default settings file', () => {
    expect(settings.comparisons.map((c) => c.name)).toEqual(['personal_id', 'full_name', 'date_of_birth', 'sex', 'address']);
  });

  it('round-trips through JSON unchanged', () => {
    expect(parseSettings(JSON.parse(JSON.stringify(settings)))).toEqual(settings);
  });

  it('refuses a comparison whose last level is not an else level', () => {
    const broken = structuredClone(settings);
    broken.comparisons[3]!.levels.pop();
    expect(() => parseSettings(broken)).toThrow(/else level/);
  });

  it('refuses a level with an unknown feature', () => {
    const broken = JSON.parse(JSON.stringify(settings));
    broken.comparisons[0].levels[1].when.feature = 'shoe_size';
    expect(() => parseSettings(broken)).toThrow(/invalid linkage settings/);
  });

  it('refuses a guard that names a comparison that does not exist', () => {
    expect(() => parseSettings({ ...settings, link_requires_agreement: [['nickname']] })).toThrow(/unknown comparison nickname/);
  });
});
