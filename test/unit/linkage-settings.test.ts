import { describe, expect, it } from 'vitest';
import { loadSettings, parseSettings } from '../../services/shared/linkage/settings.js';

describe('linkage settings', () => {
  const settings = loadSettings();

  it('loads the committed default settings file', () => {
    expect(settings.comparisons.map((c) => c.name)).toEqual(['personal_id', 'full_name', 'date_of_birth', 'sex', 'address', 'area']);
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
    broken.comparisons[0].levels.find((level: { label: string }) => level.label === 'exact').when.feature = 'shoe_size';
    expect(() => parseSettings(broken)).toThrow(/invalid linkage settings/);
  });

  it('refuses a guard that names a comparison that does not exist', () => {
    expect(() => parseSettings({ ...settings, link_requires_agreement: [['nickname']] })).toThrow(/unknown comparison nickname/);
  });

  it("refuses a guardian's-ID rule on an unknown comparison, or on one with no null level to stand at", () => {
    expect(() => parseSettings({ ...settings, guardian_id: { ...settings.guardian_id!, identifier: 'passport' } })).toThrow(/unknown comparison passport/);
    expect(() => parseSettings({ ...settings, guardian_id: { ...settings.guardian_id!, disagreeing: ['nickname'] } })).toThrow(/unknown comparison nickname/);
    const noNull = structuredClone(settings);
    noNull.comparisons[0]!.levels = noNull.comparisons[0]!.levels.filter((level) => !level.is_null);
    expect(() => parseSettings(noNull)).toThrow(/needs a null level/);
  });

  it('refuses two comparisons of one name, which explanations and guards would read as one', () => {
    const twice = structuredClone(settings);
    twice.comparisons[4]!.name = 'sex';
    expect(() => parseSettings(twice)).toThrow(/two of comparison sex/);
  });

  it('refuses two blocking rules of one name, whose keys would share a rule in the register', () => {
    const twice = structuredClone(settings);
    twice.blocking_rules[1]!.name = twice.blocking_rules[0]!.name;
    expect(() => parseSettings(twice)).toThrow(new RegExp(`two of blocking rule ${twice.blocking_rules[0]!.name}`));
  });

  it('refuses a training session that skips a comparison that does not exist', () => {
    expect(() => parseSettings({ ...settings, training_sessions: [{ block_on: ['dob'], skip: ['nickname'] }] })).toThrow(/unknown comparison nickname/);
  });

  it("refuses a guardian's-ID generation gap that is not a whole number of years", () => {
    const broken = JSON.parse(JSON.stringify(settings));
    broken.guardian_id.when = { op: 'birth_years_apart', at_least: 0.5 };
    expect(() => parseSettings(broken)).toThrow(/guardian_id/);
  });
});
